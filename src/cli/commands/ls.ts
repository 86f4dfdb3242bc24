import { HEAD_PEEK } from '../../warc/index-entry';
import { isHttpContentType, parseHttpHead } from '../../warc/http-head';
import { WarcReader } from '../../warc/reader';
import { LineWriter, parseCommandArgs } from '../args';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire ls FILE...

Lists the records of WARC files, one per line:
  offset  type  status-or-method  URL
`;

const command: CliCommand = {
  name: 'ls',
  summary: 'list the records of WARC files (offset, type, status or method, URL)',
  usage,
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {}, ['FILE...']);
    const out = new LineWriter(io.stdout);
    for (const file of positionals) {
      if (positionals.length > 1) await out.line(`# ${file}`);
      for await (const record of new WarcReader(file)) {
        let what = '-';
        if (isHttpContentType(record.contentType)) {
          const head = parseHttpHead(await record.peek(HEAD_PEEK));
          if (head?.kind === 'response') what = String(head.status);
          else if (head?.kind === 'request') what = head.method ?? '-';
        }
        await out.line(`${record.offset}\t${record.type || '-'}\t${what}\t${record.targetUri ?? '-'}`);
      }
    }
    await out.flush();
    return 0;
  },
};

export default command;
