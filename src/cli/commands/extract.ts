import { Dechunker } from '../../warc/dechunk';
import { headerValue, isHttpContentType, parseHttpHead } from '../../warc/http-head';
import { HEAD_PEEK } from '../../warc/index-entry';
import { withRecordAt } from '../../warc/open-at';
import { parseCommandArgs, UsageError, write } from '../args';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire extract FILE OFFSET [--payload | --headers]

Prints the record that starts at OFFSET (as listed by \`warcwire ls\` or an index).

  (default)    the WARC header and the block, as stored
  --headers    the WARC header, and the HTTP head for HTTP records
  --payload    only the payload: for HTTP records the entity body, de-chunked
`;

const command: CliCommand = {
  name: 'extract',
  summary: 'print one record (or its headers, or its payload) from a WARC file',
  usage,
  async run(argv, io) {
    const options = { payload: { type: 'boolean' }, headers: { type: 'boolean' } } as const;
    const { values, positionals } = parseCommandArgs(argv, options, ['FILE', 'OFFSET']);
    if (values.payload && values.headers) throw new UsageError('--payload and --headers exclude each other');
    const [file, offsetText] = positionals;
    if (!/^\d+$/.test(offsetText)) throw new UsageError(`OFFSET must be a byte offset, got ${JSON.stringify(offsetText)}`);
    const offset = Number(offsetText);
    const out = io.stdout;
    await withRecordAt(file, offset, async (record) => {
      const warcHead = `${record.version}\r\n${record.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
      const http = isHttpContentType(record.contentType);
      const head = http ? parseHttpHead(await record.peek(HEAD_PEEK)) : undefined;
      if (values.headers) {
        await write(out, warcHead);
        if (head) await write(out, (await record.peek(head.bodyOffset)).toString('latin1'));
        return;
      }
      if (!values.payload) {
        await write(out, warcHead);
        for await (const chunk of record.block()) await write(out, chunk);
        return;
      }
      let skip = head?.bodyOffset ?? 0;
      const pending: Buffer[] = [];
      const dechunker =
        head && /chunked/i.test(headerValue(head, 'Transfer-Encoding') ?? '') ? new Dechunker((d) => pending.push(Buffer.from(d))) : undefined;
      for await (const chunk of record.block()) {
        let body = chunk;
        if (skip > 0) {
          const n = Math.min(skip, body.length);
          body = body.subarray(n);
          skip -= n;
        }
        if (body.length === 0) continue;
        if (dechunker && dechunker.valid) {
          dechunker.write(body);
          for (const d of pending.splice(0)) await write(out, d);
        } else {
          await write(out, body);
        }
      }
    });
    return 0;
  },
};

export default command;
