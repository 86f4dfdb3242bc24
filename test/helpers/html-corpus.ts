/** Real web pages for compression checks: the HTML of Debian's nodejs-doc package, unpacked by scripts/fetch-html-corpus.sh. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The pages' folder: the script unpacks them into .cache/html-corpus on first use (CI runs it after apt-get update). */
function corpusDir(): string {
  const script = path.resolve(__dirname, '../../scripts/fetch-html-corpus.sh');
  try {
    return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    throw new Error(`scripts/fetch-html-corpus.sh could not unpack nodejs-doc (it needs apt's package lists): ${(err as Error).message}`);
  }
}

/**
 * The package's HTML pages, name-sorted, without all.html (every other page again, 5.8 MB).
 * Throws when they cannot be had: the checks that need them must not pass without them.
 */
export function htmlCorpus(): { name: string; bytes: Buffer }[] {
  const dir = corpusDir();
  const names = fs.readdirSync(dir).filter((name) => name.endsWith('.html') && name !== 'all.html').sort();
  if (names.length === 0) throw new Error(`no HTML pages in ${dir}`);
  return names.map((name) => ({ name, bytes: fs.readFileSync(path.join(dir, name)) }));
}
