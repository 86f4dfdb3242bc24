import { readFile } from 'node:fs/promises';
import { compressionForName, recompress } from '../../warc/tools/recompress';
import { parseCommandArgs, UsageError, write } from '../args';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire recompress [options] IN OUT

Rewrites IN as one compressed member per record (fixes a whole-file gzip), or
converts between gzip, zstd and plain: OUT's extension (.gz, .zst, other) decides.
Headers and blocks are copied byte for byte.

  --level N           compression level (gzip 0-9, zstd 1-22)
  --dictionary FILE   zstd output: raw dictionary to compress with (its frame goes first)
  --tolerant          skip damaged records instead of failing
  --force             replace OUT if it exists (a file; a FIFO, device or
                      directory is refused, as OUT is renamed into place)
`;

const command: CliCommand = {
  name: 'recompress',
  summary: 'rewrite a WARC as one member per record, or convert gzip <-> zstd <-> plain',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { level: { type: 'string' }, dictionary: { type: 'string' }, tolerant: { type: 'boolean' }, force: { type: 'boolean' } },
      ['IN', 'OUT'],
    );
    const [input, output] = positionals;
    if (values.level !== undefined && !/^-?\d+$/.test(values.level)) throw new UsageError(`--level must be an integer, got ${values.level}`);
    const compression = compressionForName(output);
    if (values.dictionary && compression !== 'zstd') throw new UsageError('--dictionary needs a .zst OUT');
    const dictionary = values.dictionary ? await readFile(values.dictionary) : undefined;
    const { records } = await recompress(input, output, {
      compression,
      ...(values.level !== undefined ? { level: Number(values.level) } : {}),
      ...(dictionary ? { dictionary } : {}),
      ...(values.tolerant ? { tolerant: true } : {}),
      ...(values.force ? { force: true } : {}),
    });
    await write(io.stdout, `${records} records written to ${output} (${compression})\n`);
    return 0;
  },
};

export default command;
