import { WarcReader } from '../../warc/reader';
import { DamageLog, LineWriter, parseCommandArgs } from '../args';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire ls FILE...

Lists the records of WARC files, one per line:
  offset  type  status-or-method  URL

Damage (garbage, a cut record, a file that is not WARC) is reported on stderr,
one line per problem (offset N <record-id> <type>: <what>), and makes the exit
status 1. A cut record is still listed, so its offset can be found.
`;

const command: CliCommand = {
  name: 'ls',
  summary: 'list the records of WARC files (offset, type, status or method, URL)',
  usage,
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {}, ['FILE...']);
    const out = new LineWriter(io.stdout);
    const damage = new DamageLog(io.stderr);
    for (const file of positionals) {
      damage.prefix = positionals.length > 1 ? `${file}: ` : '';
      if (positionals.length > 1) await out.line(`# ${file}`);
      try {
        for await (const record of new WarcReader(file, { onIssue: damage.add })) {
          const head = await record.httpHead();
          const what = (head?.kind === 'response' ? String(head.status) : head?.method) ?? '-';
          await out.line(`${record.offset}\t${record.type || '-'}\t${what}\t${record.targetUri ?? '-'}`);
          await damage.flush();
        }
      } catch (err) {
        damage.cannotRead(file, err);
      }
      // Lines so far first, so the damage reads after the records before it.
      await out.flush();
      await damage.flush();
    }
    await out.flush();
    return damage.errors > 0 ? 1 : 0;
  },
};

export default command;
