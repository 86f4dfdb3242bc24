/** The files a directory given to a command stands for (`mend DIR`, `check DIR`, `ls DIR`, `index DIR`). */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

/** A finished WARC file as the writer names it: `*.warc`, `*.warc.gz`, `*.warc.zst` (not `.open`, not `.cdxj`). */
export const FINISHED_WARC = /\.warc(?:\.gz|\.zst)?$/;

/**
 * Files directly inside `dir` whose names match `name` (with `recursive`, in
 * its subdirectories too), sorted by name within each directory. With
 * `linkedFiles`, a symbolic link with a matching name counts too unless it
 * leads to a directory (one that leads nowhere is kept, for the reader to
 * report); links to directories are never walked, so a link loop cannot be.
 */
export async function filesInDirectory(dir: string, name: RegExp, recursive: boolean, linkedFiles = false): Promise<string[]> {
  const files: string[] = [];
  const walk = async (at: string): Promise<void> => {
    const entries = await fsp.readdir(at, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(at, entry.name);
      if (entry.isFile() && name.test(entry.name)) files.push(full);
      else if (recursive && entry.isDirectory()) await walk(full);
      else if (linkedFiles && entry.isSymbolicLink() && name.test(entry.name) && !(await isDirectory(full))) files.push(full);
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
