import { withRecordAt } from '../../warc/read/open-at';
import { parseCommandArgs, UsageError, write } from '../args';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire extract FILE OFFSET [--payload [--decode] | --headers]

Prints the record that starts at OFFSET (as listed by \`warcwire ls\` or an index).
Header bytes are written exactly as stored.

  (default)    the WARC header and the block, as stored
  --headers    the WARC header, and the HTTP head for HTTP records
  --payload    only the payload: for HTTP records the entity body, de-chunked
               (content coding kept, as the payload digest covers it)
  --decode     with --payload: also undo Content-Encoding (gzip, deflate, br)

With --payload, a note goes to stderr when there is less than a full payload:
  a revisit:             "no payload stored; refers to <uri> <date>" (exit 0)
  a WARC-Truncated record: "payload truncated (WARC-Truncated: <reason>)"; the
                         stored part is printed and the exit status is 0, since
                         the record is intact as the crawler chose to cut it.
A record whose bytes are cut short in the file (damage) ends with exit 1.
`;

const command: CliCommand = {
  name: 'extract',
  summary: 'print one record (or its headers, or its payload) from a WARC file',
  usage,
  async run(argv, io) {
    const options = { payload: { type: 'boolean' }, headers: { type: 'boolean' }, decode: { type: 'boolean' } } as const;
    const { values, positionals } = parseCommandArgs(argv, options, ['FILE', 'OFFSET']);
    if (values.payload && values.headers) throw new UsageError('--payload and --headers exclude each other');
    if (values.decode && !values.payload) throw new UsageError('--decode goes with --payload');
    const [file, offsetText] = positionals;
    if (!/^\d+$/.test(offsetText)) throw new UsageError(`OFFSET must be a byte offset, got ${JSON.stringify(offsetText)}`);
    const offset = Number(offsetText);
    const out = io.stdout;
    await withRecordAt(file, offset, async (record) => {
      if (values.headers) {
        await write(out, record.rawHeader);
        const head = await record.httpHead();
        if (head) await write(out, await record.peek(head.bodyOffset));
        return;
      }
      if (!values.payload) {
        await write(out, record.rawHeader);
        for await (const chunk of record.block()) await write(out, chunk);
        return;
      }
      if (record.type === 'revisit') {
        const uri = record.get('WARC-Refers-To-Target-URI') ?? record.get('WARC-Refers-To') ?? '-';
        const date = record.get('WARC-Refers-To-Date') ?? '-';
        await write(io.stderr, `warcwire extract: no payload stored; refers to ${uri} ${date}\n`);
      }
      const truncated = record.get('WARC-Truncated');
      if (truncated !== undefined) await write(io.stderr, `warcwire extract: payload truncated (WARC-Truncated: ${truncated})\n`);
      for await (const chunk of record.payload({ decodeContentEncoding: Boolean(values.decode) })) await write(out, chunk);
    });
    return 0;
  },
};

export default command;
