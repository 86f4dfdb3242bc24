/**
 * Crash recovery for `.open` files: keep every complete record, cut what
 * follows (a member or record cut short, garbage) and any damage between
 * records (the file is then rewritten without it), drop the `.open` suffix.
 * Digests are not checked: a complete record whose digest does not match is
 * kept as it is (telling is `check`'s business), never a reason to cut or remove.
 */
import { promises as fsp } from 'node:fs';
import type { Backend } from '../../backend/types';
import { WarcError } from '../errors';
import { filesInDirectory } from './find-files';
import { OPEN_SUFFIX } from '../naming';
import type { ReadIssue } from '../read/read-issues';
import { WarcReader } from '../read/reader';

export interface MendPlan {
  file: string;
  action: 'skip' | 'rename' | 'truncate' | 'rewrite' | 'remove';
  /** Why, for people. */
  reason: string;
  /** Records kept. */
  records: number;
  size: number;
  /** Bytes kept (from the start of the file, unless `ranges` says which). */
  keep: number;
  /** `rewrite` only: the [start, end) byte ranges copied, in order; damage between them is cut out. */
  ranges?: Array<[number, number]>;
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
  const files = await filesInDirectory(path, OPEN_WARC, recursive);
  return { kind: 'directory', files };
}

export async function planMend(file: string, backend?: Backend): Promise<MendPlan> {
  if (!file.endsWith(OPEN_SUFFIX)) {
    return { file, action: 'skip', reason: 'not an .open file (nor a directory)', records: 0, size: 0, keep: 0 };
  }
  const size = (await fsp.stat(file)).size;
  const target = file.slice(0, -OPEN_SUFFIX.length);
  let damage: ReadIssue | undefined;
  // Offsets only: a crafted file may hold very many issues.
  const damaged: number[] = [];
  const reader = new WarcReader(file, {
    ...(backend ? { backend } : {}),
    onIssue: (issue) => {
      if (issue.severity !== 'error') return;
      damage ??= issue;
      damaged.push(issue.offset);
    },
  });
  // Every record read to its end without damage of its own, wherever it is: damage in
  // between (garbage, a record cut short) does not cost the records after it.
  const good: Array<{ offset: number; length?: number }> = [];
  for await (const record of reader) {
    await record.finish();
    if (!record.issues.some((i) => i.severity === 'error')) good.push(record);
  }
  // Lengths of records sharing a member are known only once the member ended.
  const placed = good.filter((g) => g.length !== undefined).map((g) => ({ start: g.offset, end: g.offset + (g.length as number) }));
  const ranges = keptRanges(placed, damaged);
  const records = placed.length;
  const keep = ranges.reduce((n, [from, to]) => n + (to - from), 0);
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
  if (ranges.length > 1 || ranges[0]![0] > 0) {
    const cut = size - keep;
    return { ...base, action: 'rewrite', ranges, reason: `${cut} damaged bytes cut out (first at offset ${damage?.offset}: ${damage?.message})` };
  }
  if (keep < size) return { ...base, action: 'truncate', reason: damage ? `damage at offset ${damage.offset}: ${damage.message}` : 'incomplete data after the last record' };
  return { ...base, action: 'rename', reason: 'all records complete' };
}

/**
 * The byte ranges to keep: every complete record, and whatever lies between them
 * unless damage was found there (so a zstd dictionary frame or padding stays, and
 * garbage or a record cut short goes). What follows the last record always goes.
 */
function keptRanges(records: ReadonlyArray<{ start: number; end: number }>, damageOffsets: readonly number[]): Array<[number, number]> {
  const sorted = [...records].sort((a, b) => a.start - b.start);
  const offsets = [...damageOffsets].sort((a, b) => a - b);
  let next = 0; // gaps come in order: walk the sorted offsets once
  const damaged = (from: number, to: number): boolean => {
    while (next < offsets.length && offsets[next]! < from) next++;
    return next < offsets.length && offsets[next]! < to;
  };
  const ranges: Array<[number, number]> = [];
  let at = 0;
  for (const { start, end } of sorted) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else if (!damaged(at, start)) {
      if (last !== undefined) last[1] = end;
      else ranges.push([0, end]);
    } else ranges.push([start, end]);
    at = ranges[ranges.length - 1]![1];
  }
  return ranges;
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
  if (exists) throw targetExists(plan.file, target);
  if (plan.action === 'rewrite') {
    await copyRanges(plan.file, target, plan.ranges ?? []);
    await fsp.unlink(plan.file);
    return;
  }
  if (plan.action === 'truncate') await fsp.truncate(plan.file, plan.keep);
  await fsp.rename(plan.file, target);
}

function targetExists(file: string, target: string): WarcError {
  return new WarcError('ERR_WARC_MEND_TARGET_EXISTS', `cannot mend ${file}: ${target} already exists (left both as they are; move one aside and mend again)`);
}

const COPY_PIECE = 1024 * 1024;

/** Copies the ranges of `from` into a new file `to` (never an existing one), synced; on failure `to` is removed. */
async function copyRanges(from: string, to: string, ranges: ReadonlyArray<[number, number]>): Promise<void> {
  const source = await fsp.open(from, 'r');
  try {
    const sink = await fsp.open(to, 'wx').catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
      throw targetExists(from, to);
    });
    try {
      const buffer = Buffer.alloc(COPY_PIECE);
      for (const [start, end] of ranges) {
        for (let at = start; at < end; ) {
          const { bytesRead } = await source.read(buffer, 0, Math.min(COPY_PIECE, end - at), at);
          if (bytesRead === 0) throw new WarcError('ERR_WARC_INPUT', `${from} changed while being mended (ends at ${at}, expected ${end})`);
          await sink.write(buffer.subarray(0, bytesRead));
          at += bytesRead;
        }
      }
      await sink.sync();
    } catch (err) {
      await sink.close();
      await fsp.unlink(to).catch(() => undefined);
      throw err;
    }
    await sink.close();
  } finally {
    await source.close();
  }
}
