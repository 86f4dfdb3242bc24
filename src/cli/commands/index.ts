import { DEFAULT_INDEX_TYPES } from '../../warc/index-entry';
import { indexFile } from '../../warc/indexer';
import { LineWriter, parseCommandArgs } from '../args';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire index [--records TYPES] [--sort] FILE...

Prints a CDXJ index (pywb / cdxj-indexer format) to stdout:
  <SURT key> <14-digit timestamp> {"url": ..., "mime": ..., "status": ..., "digest": ..., "length": ..., "offset": ..., "filename": ...}

  --records TYPES   comma-separated record types to index, or "all"
                    (default ${DEFAULT_INDEX_TYPES.join(',')})
  --sort            sort the lines (as CDXJ readers expect) instead of file order
`;

const command: CliCommand = {
  name: 'index',
  summary: 'print a CDXJ index of WARC files (pywb / cdxj-indexer compatible)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { records: { type: 'string' }, sort: { type: 'boolean' } }, ['FILE...']);
    const types = values.records ? values.records.split(',').map((t) => t.trim()).filter((t) => t !== '') : DEFAULT_INDEX_TYPES;
    const out = new LineWriter(io.stdout);
    const sorted: string[] = [];
    for (const file of positionals) {
      for await (const line of indexFile(file, { types })) {
        if (values.sort) sorted.push(line);
        else await out.line(line);
      }
    }
    if (values.sort) {
      sorted.sort();
      for (const line of sorted) await out.line(line);
    }
    await out.flush();
    return 0;
  },
};

export default command;
