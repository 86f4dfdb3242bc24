/** Real web pages for compression checks: the HTML of Debian's nodejs-doc package (.ci/apt/native.txt). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const HTML_CORPUS_DIR = '/usr/share/doc/nodejs/api';

/**
 * The package's HTML pages, name-sorted, without all.html (every other page again, 5.8 MB).
 * Throws naming the package when it is missing: the checks that need it must not pass without it.
 */
export function htmlCorpus(): { name: string; bytes: Buffer }[] {
  const names = fs.existsSync(HTML_CORPUS_DIR)
    ? fs.readdirSync(HTML_CORPUS_DIR).filter((name) => name.endsWith('.html') && name !== 'all.html').sort()
    : [];
  if (names.length === 0) {
    throw new Error(`no HTML pages in ${HTML_CORPUS_DIR}: install the Debian package nodejs-doc (apt-get install nodejs-doc)`);
  }
  return names.map((name) => ({ name, bytes: fs.readFileSync(path.join(HTML_CORPUS_DIR, name)) }));
}
