/** The output directory of a recording command, made and checked before anything is fetched. */
import { open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory } from '../../make-directory';

/**
 * Writes one byte to a fresh file in `dir` and removes it, so a directory that
 * cannot take a WARC file (read-only, no permission, full) is found before the
 * first fetch, whoever runs it (permission bits do not stop root).
 */
export async function probeWritable(dir: string): Promise<void> {
  const probe = join(dir, `.warcwire-probe-${process.pid}`);
  const handle = await open(probe, 'wx');
  try {
    await handle.write(Buffer.from('\n'));
    await handle.sync();
  } finally {
    await handle.close();
    await unlink(probe);
  }
}

/** Creates `-o DIR` when missing and checks it takes files; returns what is wrong, or undefined. */
export async function outputDirectoryProblem(output: string): Promise<string | undefined> {
  const name = `-o ${JSON.stringify(output)}`;
  try {
    await makeDirectory(output);
    if (!(await stat(output)).isDirectory()) return `${name} is not a directory`;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') return `${name}: a file is in the way, not a directory`;
    return `${name}: cannot create the output directory (${(err as Error).message})`;
  }
  try {
    await probeWritable(output);
  } catch (err) {
    return `${name}: cannot write in the output directory (${(err as Error).message}); nothing fetched`;
  }
  return undefined;
}
