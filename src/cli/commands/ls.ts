import { WarcReader } from '../../warc/read/reader';
import { truncationMark } from '../../warc/read/truncation';
import { noRecordIssue } from '../../warc/tools/check';
import { DamageLog, LineWriter, parseCommandArgs } from '../args';
import type { CliCommand } from '../command';
import { READ_INPUTS_HELP, readInputs } from '../read-inputs';

const usage = `Usage: warcwire ls [-r] FILE|DIR...

Lists the records of WARC files, one per line, tab-separated:
  offset  type  status-or-method  URL  truncated
"truncated" is "-" for a whole record; else the WARC-Truncated reason (length,
time, disconnect, unspecified) and/or "cut" (the file ends or breaks inside the
record), joined by ",".

${READ_INPUTS_HELP}

  -r, --recursive  look for WARC files in subdirectories of each DIR too

Damage (garbage, a cut record, a file that is not WARC or holds no record) is
reported on stderr, one line per problem (offset N <record-id> <type>: <what>),
and makes the exit status 1. A cut record is still listed, so its offset can be found.
`;

const command: CliCommand = {
  name: 'ls',
  summary: 'list the records of WARC files (offset, type, status or method, URL)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { recursive: { type: 'boolean', short: 'r' } }, ['FILE...']);
    const inputs = await readInputs(positionals, values.recursive ?? false);
    const out = new LineWriter(io.stdout);
    const damage = new DamageLog(io.stderr);
    for (const { file, error } of inputs) {
      damage.prefix = inputs.length > 1 ? `${file}: ` : '';
      if (inputs.length > 1) await out.line(`# ${file}`);
      try {
        if (error) throw error;
        const reader = new WarcReader(file, { onIssue: damage.add });
        let records = 0;
        for await (const record of reader) {
          records++;
          const head = await record.httpHead();
          const what = (head?.kind === 'response' ? String(head.status) : head?.method) ?? '-';
          // Read to the block's end first: only then is a record cut short known.
          await record.finish();
          await out.line(`${record.offset}\t${record.type || '-'}\t${what}\t${record.targetUri ?? '-'}\t${truncationMark(record) ?? '-'}`);
          await damage.flush();
        }
        if (records === 0) damage.add(await noRecordIssue(file, reader.issues));
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
