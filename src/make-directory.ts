/**
 * `mkdir -p` that always ends. Node's own `mkdir(path, { recursive: true })`
 * retries for good when a directory answers ENOENT while its parent exists:
 * under a working directory that was deleted, or in /proc (`/proc/self/x`).
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Creates `path` and its missing parents (each with `mode`); fails as mkdir does (EEXIST for a file in the way). */
export async function makeDirectory(path: string, mode?: number): Promise<void> {
  const dir = resolve(path);
  const options = mode === undefined ? {} : { mode };
  try {
    await mkdir(dir, options);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await isDirectory(dir))) return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw err;
  }
  await makeDirectory(dirname(dir), mode);
  try {
    // Once, not in a loop: ENOENT again means this directory cannot be made here.
    await mkdir(dir, options);
  } catch (err) {
    // Another process may have made it meanwhile.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await isDirectory(dir))) return;
    throw err;
  }
}
