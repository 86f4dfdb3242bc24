/** What the FILE|DIR operands of a reading command (check, ls, index) stand for. */
import { access } from 'node:fs/promises';
import { WarcError } from '../warc/errors';
import { filesInDirectory, FINISHED_WARC, isDirectory } from '../warc/tools/find-files';

/** A file to read, or the reason a directory gave none (reported like a file that cannot be read). */
export interface ReadInput {
  file: string;
  error?: WarcError;
}

/**
 * A file stands for itself; a directory for the finished WARC files directly
 * inside it (`*.warc`, `*.warc.gz`, `*.warc.zst`, links to such files
 * included; with `recursive`, in its subdirectories too), as `mend DIR` walks
 * for `.open` files.
 */
/**
 * Node hands file names over as UTF-8 strings: a name that is not valid UTF-8
 * (an argument, or a file in a DIR) arrives with U+FFFD for its bad bytes, and
 * no file has that name. Said so, rather than "no such file".
 */
async function nameProblem(file: string): Promise<WarcError | undefined> {
  if (!file.includes('\uFFFD')) return undefined;
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (exists) return undefined;
  return new WarcError('ERR_WARC_INPUT', 'its name is not valid UTF-8 (shown here with \uFFFD) and cannot be opened: rename it (e.g. with convmv) and run again');
}

async function input(file: string): Promise<ReadInput> {
  const error = await nameProblem(file);
  return error === undefined ? { file } : { file, error };
}

export async function readInputs(paths: readonly string[], recursive: boolean): Promise<ReadInput[]> {
  const inputs: ReadInput[] = [];
  for (const path of paths) {
    if (!(await isDirectory(path))) {
      inputs.push(await input(path));
      continue;
    }
    // Archives often hold their WARC files as links: read through them (mend does not rename links).
    const files = await filesInDirectory(path, FINISHED_WARC, recursive, true);
    if (files.length > 0) for (const file of files) inputs.push(await input(file));
    else {
      const where = recursive ? 'in it or its subdirectories' : 'directly inside (-r looks in subdirectories)';
      inputs.push({ file: path, error: new WarcError('ERR_WARC_INPUT', `directory with no WARC file (*.warc, *.warc.gz, *.warc.zst) ${where}`) });
    }
  }
  return inputs;
}

/** The help text lines for the operands and -r, shared by the commands. */
export const READ_INPUTS_HELP = `A DIR stands for every *.warc, *.warc.gz and *.warc.zst file (or link to one)
directly inside it (.open files are left to \`warcwire mend\`); -r also looks in
its subdirectories (not in linked ones).`;
