import { createInterface } from 'node:readline/promises';
import { applyMend, mendTargets, planMend, type MendPlan } from '../../warc/tools/mend';
import { errorMessage, isOutputFailure, LineWriter, parseCommandArgs } from '../args';
import type { CliCommand } from '../command';

const usage = `Usage: warcwire mend [--dry-run] [--yes] [-r] FILE|DIR...

Repairs WARC files left \`.open\` by a crash (gzip, zstd or plain): keeps every
complete record, cuts what follows the last one (and damage found between
records, such as garbage), and drops the \`.open\` suffix.
A DIR stands for every *.warc*.open file directly inside it (as \`warcwire capture
-o DIR\` leaves them); -r also looks in its subdirectories. A FILE not ending in
.open is left alone. A file that ends inside its first record is removed; one
with other damage before any complete record is left as is (exit 1). Digests are
not checked here (that is \`warcwire check\`): a complete record is kept even
when its digest does not match.

  --dry-run   say what would be done, change nothing
  --yes       do it without asking (needed when stdin is not a terminal)
  -r, --recursive  look for .open files in subdirectories of each DIR too
`;

function describe(plan: MendPlan): string {
  switch (plan.action) {
    case 'skip':
      return `skip ${plan.file}: ${plan.reason}`;
    case 'remove':
      return `remove ${plan.file}: ${plan.reason}`;
    case 'rename':
      return `rename ${plan.file} -> ${plan.target}: ${plan.records} records, ${plan.reason}`;
    case 'rewrite':
      return `rewrite ${plan.file} -> ${plan.target} keeping ${plan.keep} of ${plan.size} bytes (${plan.records} records kept): ${plan.reason}`;
    case 'truncate':
      return `truncate ${plan.file} to ${plan.keep} of ${plan.size} bytes (${plan.records} records kept) -> ${plan.target}: ${plan.reason}`;
  }
}

const command: CliCommand = {
  name: 'mend',
  summary: 'repair .open WARC files after a crash (keep complete records, cut the rest)',
  usage,
  async run(argv, io) {
    const options = { 'dry-run': { type: 'boolean' }, yes: { type: 'boolean', short: 'y' }, recursive: { type: 'boolean', short: 'r' } } as const;
    const { values, positionals } = parseCommandArgs(argv, options, ['FILE...']);
    const out = new LineWriter(io.stdout);
    const plans: MendPlan[] = [];
    let failed = false;
    const files: string[] = [];
    for (const path of positionals) {
      try {
        const found = await mendTargets(path, values.recursive ?? false);
        if (found.kind === 'directory' && found.files.length === 0) await out.line(`nothing to mend in ${path}`);
        // A plain file goes on to planMend, which skips it and says why.
        files.push(...(found.kind === 'other' ? [path] : found.files));
      } catch (err) {
        if (isOutputFailure(err)) throw err;
        failed = true;
        await out.line(`cannot read ${path}: ${errorMessage(err)}`);
      }
    }
    for (const file of files) {
      try {
        const plan = await planMend(file);
        plans.push(plan);
        // A damaged file mend cannot repair stays as it is; the exit status says so.
        if (plan.action === 'skip' && plan.damage !== undefined) failed = true;
        await out.line((values['dry-run'] ? 'would ' : '') + describe(plan));
      } catch (err) {
        if (isOutputFailure(err)) throw err; // nothing changed yet: stop here
        failed = true;
        await out.line(`cannot read ${file}: ${errorMessage(err)}`);
      }
    }
    await out.flush();
    const work = plans.filter((p) => p.action !== 'skip');
    if (values['dry-run'] || work.length === 0) return failed ? 1 : 0;
    if (!values.yes) {
      if (!process.stdin.isTTY) {
        await out.line('nothing changed: pass --yes to mend without asking');
        await out.flush();
        return 2;
      }
      const rl = createInterface({ input: process.stdin, output: io.stdout });
      const answer = await rl.question(`mend ${work.length} file(s)? [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) return 1;
    }
    for (const plan of work) {
      try {
        await applyMend(plan);
        await out.line(`done ${plan.file}`);
      } catch (err) {
        failed = true;
        await out.line(`failed ${plan.file}: ${errorMessage(err)}`);
      }
    }
    await out.flush();
    return failed ? 1 : 0;
  },
};

export default command;
