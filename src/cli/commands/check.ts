import { checkFile, formatIssue, type CheckReport } from '../../warc/check';
import { errorMessage, LineWriter, OutputClosedError, parseCommandArgs } from '../args';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire check [--json] [-v] FILE...

Reads every record (gzip, zstd or plain WARC; told apart by magic bytes), checks
block and payload digests, Content-Length, trailers and compression, and prints
one line per problem:  offset N <record-id> <type>: <what>
Exit status 1 when any record fails, 0 when all pass.

  --json          one JSON document with every record and issue
  -v, --verbose   list every record and the notes (legacy chunked digests, revisits...)
`;

function describeDigests(r: CheckReport['records'][number]): string {
  return `block ${r.digests.block}, payload ${r.digests.payload}`;
}

const command: CliCommand = {
  name: 'check',
  summary: 'verify WARC files: digests, lengths, trailers, compression (exit 1 on damage)',
  usage,
  async run(argv, io) {
    const options = { json: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' } } as const;
    const { values, positionals } = parseCommandArgs(argv, options, ['FILE...']);
    const out = new LineWriter(io.stdout);
    const reports: Array<CheckReport | { file: string; error: string }> = [];
    let failed = false;
    for (const file of positionals) {
      const prefix = positionals.length > 1 ? `${file}: ` : '';
      let report: CheckReport;
      let count = 0;
      try {
        report = await checkFile(file, {
          keepRecords: Boolean(values.json),
          onRecord: async (r) => {
            count++;
            if (!values.verbose || values.json) return;
            const bad = r.issues.some((i) => i.severity === 'error');
            await out.line(`${prefix}offset ${r.offset} ${r.id || '-'} ${r.type || '-'}: ${bad ? 'FAIL' : 'ok'} (${describeDigests(r)})`);
          },
        });
      } catch (err) {
        if (err instanceof OutputClosedError) throw err;
        failed = true;
        reports.push({ file, error: errorMessage(err) });
        if (!values.json) await out.line(`${prefix}cannot read: ${errorMessage(err)}`);
        continue;
      }
      reports.push(report);
      if (report.errors.length > 0) failed = true;
      if (values.json) continue;
      if (values.verbose) {
        for (const issue of report.issues) await out.line(`${prefix}${issue.severity === 'note' ? 'note ' : ''}${formatIssue(issue)}`);
        await out.line(`${prefix}${count} records, ${report.errors.length} problems`);
      } else {
        for (const issue of report.errors) await out.line(`${prefix}${formatIssue(issue)}`);
      }
    }
    if (values.json) await out.line(JSON.stringify({ ok: !failed, files: reports }, null, 2));
    await out.flush();
    return failed ? 1 : 0;
  },
};

export default command;
