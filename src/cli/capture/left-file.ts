import { rename, writeFile } from 'node:fs/promises';

/**
 * Writes `urls` as a URL list that `warcwire capture --input` reads back (one
 * URL a line, `#` comment first). Written beside and renamed into place, so the
 * file is always a whole list, even when it is also the run's --input.
 */
export async function writeLeftFile(path: string, urls: readonly string[]): Promise<void> {
  const text = `# warcwire capture: ${urls.length} URLs left (failed or not started); resume with --input\n` + urls.map((u) => `${u}\n`).join('');
  const part = `${path}.${process.pid}.part`;
  await writeFile(part, text);
  await rename(part, path);
}
