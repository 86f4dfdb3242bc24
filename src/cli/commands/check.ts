import { checkFile, formatIssue, type CheckReport } from '../../warc/tools/check';
import { errorMessage, isOutputFailure, LineWriter, parseCommandArgs } from '../args';
import type { CliCommand } from '../command';
import { READ_INPUTS_HELP, readInputs } from '../read-inputs';

const usage = `Usage: warcwire check [--json] [-v] [-r] FILE|DIR...

Reads every record (gzip, zstd or plain WARC; told apart by magic bytes), checks
block and payload digests, Content-Length, trailers and compression, and prints
one line per problem:  offset N <record-id> <type>: <what>
Exit status 1 when any record fails, or a file holds no record at all (empty,
not WARC), or a DIR holds no WARC file; 0 when all pass.

${READ_INPUTS_HELP}

  --json          one JSON document with every record and issue
  -v, --verbose   list every record and the notes (legacy chunked digests, revisits...);
                  a record short of its payload ends in ", truncated: <why>": the
                  WARC-Truncated reason (length, time, disconnect...) and/or "cut"
                  (the file ends or breaks inside the record)
  -r, --recursive look for WARC files in subdirectories of each DIR too
`;

function describeRecord(r: CheckReport['records'][number]): string {
  return `block ${r.digests.block}, payload ${r.digests.payload}${r.truncated !== undefined ? `, truncated: ${r.truncated}` : ''}`;
}

const command: CliCommand = {
  name: 'check',
  summary: 'verify WARC files: digests, lengths, trailers, compression (exit 1 on damage)',
  usage,
  async run(argv, io) {
    const options = { json: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, recursive: { type: 'boolean', short: 'r' } } as const;
    const { values, positionals } = parseCommandArgs(argv, options, ['FILE...']);
    const inputs = await readInputs(positionals, values.recursive ?? false);
    const out = new LineWriter(io.stdout);
    const reports: Array<CheckReport | { file: string; error: string }> = [];
    let failed = false;
    for (const { file, error } of inputs) {
      const prefix = inputs.length > 1 ? `${file}: ` : '';
      let report: CheckReport;
      let count = 0;
      try {
        if (error) throw error;
        report = await checkFile(file, {
          keepRecords: Boolean(values.json),
          onRecord: async (r) => {
            count++;
            if (!values.verbose || values.json) return;
            const bad = r.issues.some((i) => i.severity === 'error');
            await out.line(`${prefix}offset ${r.offset} ${r.id || '-'} ${r.type || '-'}: ${bad ? 'FAIL' : 'ok'} (${describeRecord(r)})`);
          },
        });
      } catch (err) {
        if (isOutputFailure(err)) throw err;
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
