/** The files a directory given to a command stands for (`mend DIR`, `check DIR`, `ls DIR`, `index DIR`). */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

/** A finished WARC file as the writer names it: `*.warc`, `*.warc.gz`, `*.warc.zst` (not `.open`, not `.cdxj`). */
export const FINISHED_WARC = /\.warc(?:\.gz|\.zst)?$/;

/**
 * Files directly inside `dir` whose names match `name` (with `recursive`, in
 * its subdirectories too), sorted by name within each directory.
 */
export async function filesInDirectory(dir: string, name: RegExp, recursive: boolean): Promise<string[]> {
  const files: string[] = [];
  const walk = async (at: string): Promise<void> => {
    const entries = await fsp.readdir(at, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(at, entry.name);
      if (entry.isFile() && name.test(entry.name)) files.push(full);
      else if (recursive && entry.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
  return files;
}

/** True when `path` is a directory (false for a file, or a path that cannot be stat'ed: the reader reports that). */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await fsp.stat(path)).isDirectory();
  } catch {
    return false;
  }
}
