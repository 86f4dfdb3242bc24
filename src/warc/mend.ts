/**
 * Crash recovery for `.open` files: keep every complete record, cut what
 * follows (a member or record cut short, garbage), drop the `.open` suffix.
 * Digests are not checked: a complete record whose digest does not match is
 * kept as it is (telling is `check`'s business), never a reason to cut or remove.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backend/types';
import { WarcError } from './errors';
import { OPEN_SUFFIX } from './naming';
import type { ReadIssue } from './read-issues';
import { WarcReader } from './reader';

export interface MendPlan {
  file: string;
  action: 'skip' | 'rename' | 'truncate' | 'remove';
  /** Why, for people. */
  reason: string;
  /** Records kept. */
  records: number;
  size: number;
  /** Bytes kept from the start of the file. */
  keep: number;
  /** Name after mending (without `.open`). */
  target?: string;
  /** The first damage, when there is one. */
  damage?: ReadIssue;
}

/** An `.open` name as the writer leaves it: `….warc.open`, `….warc.gz.open`, `….warc.zst.open`. */
const OPEN_WARC = /\.warc(?:\.[A-Za-z0-9]+)?\.open$/;

/**
 * What a path given to `mend` stands for: an `.open` file itself, every `.open`
 * WARC file directly inside a directory (and in its subdirectories when
 * `recursive`), sorted; or nothing (`other`: a file that is not `.open`).
 * A missing path rejects with the fs error.
 */
export async function mendTargets(path: string, recursive: boolean): Promise<{ kind: 'file' | 'directory' | 'other'; files: string[] }> {
  const stat = await fsp.stat(path);
  if (!stat.isDirectory()) return path.endsWith(OPEN_SUFFIX) ? { kind: 'file', files: [path] } : { kind: 'other', files: [] };
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fsp.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isFile() && OPEN_WARC.test(entry.name)) files.push(full);
      else if (recursive && entry.isDirectory()) await walk(full);
    }
  };
  await walk(path);
  return { kind: 'directory', files };
}

export async function planMend(file: string, backend?: Backend): Promise<MendPlan> {
  if (!file.endsWith(OPEN_SUFFIX)) {
    return { file, action: 'skip', reason: 'not an .open file (nor a directory)', records: 0, size: 0, keep: 0 };
  }
  const size = (await fsp.stat(file)).size;
  const target = file.slice(0, -OPEN_SUFFIX.length);
  let damage: ReadIssue | undefined;
  const reader = new WarcReader(file, {
    ...(backend ? { backend } : {}),
    onIssue: (issue) => {
      if (issue.severity === 'error') damage ??= issue;
    },
  });
  const good: Array<{ offset: number; record: { length?: number } }> = [];
  for await (const record of reader) {
    if (damage) break; // damage before this record: nothing after it is kept
    await record.finish();
    // Damage found while looking past this record's end belongs to what follows it.
    if (record.issues.some((i) => i.severity === 'error')) break;
    good.push({ offset: record.offset, record });
  }
  // Lengths of records sharing a member are known only once the member ended.
  let keep = 0;
  let records = 0;
  for (const g of good) {
    if (g.record.length === undefined) break;
    keep = Math.max(keep, g.offset + g.record.length);
    records++;
  }
  const base = { file, records, size, keep, target, ...(damage ? { damage } : {}) };
  if (records === 0) {
    // Only a file that ends inside its first record is surely empty of records; after other
    // damage (garbage, an unreadable member) complete records may follow that the reader
    // cannot place, so the file is left for a closer look rather than removed.
    if (damage !== undefined && damage.kind !== 'truncated') {
      return { ...base, action: 'skip', keep: 0, reason: `no complete record before damage at offset ${damage.offset}: ${damage.message}; left as is (records may follow)` };
    }
    return { ...base, action: 'remove', keep: 0, reason: size === 0 ? 'empty file' : 'no complete record' };
  }
  if (keep < size) return { ...base, action: 'truncate', reason: damage ? `damage at offset ${damage.offset}: ${damage.message}` : 'incomplete data after the last record' };
  return { ...base, action: 'rename', reason: 'all records complete' };
}

/** Carries out a plan. Never overwrites an existing file (ERR_WARC_MEND_TARGET_EXISTS, nothing changed). */
export async function applyMend(plan: MendPlan): Promise<void> {
  if (plan.action === 'skip') return;
  if (plan.action === 'remove') {
    await fsp.unlink(plan.file);
    return;
  }
  const target = plan.target as string;
  const exists = await fsp.access(target).then(
    () => true,
    () => false,
  );
  if (exists) throw new WarcError('ERR_WARC_MEND_TARGET_EXISTS', `cannot mend ${plan.file}: ${target} already exists (left both as they are; move one aside and mend again)`);
  if (plan.action === 'truncate') await fsp.truncate(plan.file, plan.keep);
  await fsp.rename(plan.file, target);
}
