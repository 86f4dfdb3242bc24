import { DEFAULT_INDEX_TYPES } from '../../warc/read/index-entry';
import { indexFile } from '../../warc/tools/indexer';
import { WARC_RECORD_TYPES } from '../../warc/record';
import { DamageLog, LineWriter, parseCommandArgs, UsageError } from '../args';
import type { CliCommand } from '../command';
import { READ_INPUTS_HELP, readInputs } from '../read-inputs';

const usage = `Usage: warcwire index [--records TYPES] [--sort] [-r] FILE|DIR...

Prints a CDXJ index (pywb / cdxj-indexer format) to stdout:
  <SURT key> <14-digit timestamp> {"url": ..., "mime": ..., "status": ..., "digest": ..., "length": ..., "offset": ..., "filename": ...}

A response whose request (the record beside it) was not a GET is keyed as warcio's
cdx-index and pywb key it: the URL with "__wb_method=<method>&" and the request
body as a query appended, plus "method" and "requestBody" fields.

  --records TYPES   comma-separated record types to index, or "all"
                    (default ${DEFAULT_INDEX_TYPES.join(',')};
                    types: ${WARC_RECORD_TYPES.join(', ')})
  --sort            sort the lines (as CDXJ readers expect) instead of file order
  -r, --recursive   look for WARC files in subdirectories of each DIR too

${READ_INPUTS_HELP}

Damage (garbage, a cut record, a file that is not WARC or holds no record) is
reported on stderr, one line per problem (offset N <record-id> <type>: <what>),
and makes the exit status 1; the good records are still indexed, a cut or unreadable record never is.
`;

function recordTypes(text: string | undefined): readonly string[] {
  if (text === undefined) return DEFAULT_INDEX_TYPES;
  const types = text.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const valid: readonly string[] = [...WARC_RECORD_TYPES, 'all'];
  const unknown = types.filter((t) => !valid.includes(t));
  if (types.length === 0 || unknown.length > 0) {
    throw new UsageError(`--records: ${unknown.length > 0 ? `unknown type ${unknown.map((t) => JSON.stringify(t)).join(', ')}` : 'no type given'}; valid types: ${valid.join(', ')}`);
  }
  return types;
}

const command: CliCommand = {
  name: 'index',
  summary: 'print a CDXJ index of WARC files (pywb / cdxj-indexer compatible)',
  usage,
  async run(argv, io) {
    const options = { records: { type: 'string' }, sort: { type: 'boolean' }, recursive: { type: 'boolean', short: 'r' } } as const;
    const { values, positionals } = parseCommandArgs(argv, options, ['FILE...']);
    const types = recordTypes(values.records);
    const inputs = await readInputs(positionals, values.recursive ?? false);
    const out = new LineWriter(io.stdout);
    const damage = new DamageLog(io.stderr);
    const sorted: string[] = [];
    for (const { file, error } of inputs) {
      damage.prefix = inputs.length > 1 ? `${file}: ` : '';
      try {
        if (error) throw error;
        for await (const line of indexFile(file, { types, onIssue: damage.add })) {
          if (values.sort) sorted.push(line);
          else await out.line(line);
          await damage.flush();
        }
      } catch (err) {
        damage.cannotRead(file, err);
      }
      await damage.flush();
    }
    if (values.sort) {
      sorted.sort();
      for (const line of sorted) await out.line(line);
    }
    await out.flush();
    return damage.errors > 0 ? 1 : 0;
  },
};

export default command;
