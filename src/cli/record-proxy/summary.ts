/** What `warcwire record-proxy` prints when it stops: what was recorded, and the files it is in. */
import { stat } from 'node:fs/promises';
import { filesInDirectory } from '../../warc/tools/find-files';
import { formatBytes } from '../capture/capture-report';
import type { RecordingProgress } from './progress';

/** A WARC file as the writer names it, finished or still `.open`. */
const WARC_FILE = /\.warc(?:\.gz|\.zst)?(?:\.open)?$/;

/** The WARC files directly in `dir` (paths), to tell this run's files from those already there. */
export function warcFilesIn(dir: string): Promise<string[]> {
  return filesInDirectory(dir, WARC_FILE, false);
}

export interface WrittenFile {
  path: string;
  bytes: number;
}

/** The WARC files in `dir` that were not in `before`, with their sizes on disk. */
export async function filesWritten(dir: string, before: readonly string[]): Promise<WrittenFile[]> {
  const old = new Set(before);
  const files: WrittenFile[] = [];
  for (const path of await warcFilesIn(dir)) {
    if (old.has(path)) continue;
    files.push({ path, bytes: (await stat(path)).size });
  }
  return files;
}

export function summaryText(p: RecordingProgress, files: readonly WrittenFile[]): string {
  return (
    `exchanges: ${p.exchanges} recorded (${p.revisits} as revisits), ${p.failed} failed\n` +
    `bodies relayed: ${formatBytes(p.bytes)} (both ways, as sent)\n` +
    `leaf certificates issued: ${p.leafCertificates}\n` +
    `files: ${files.length}\n${files.map((f) => `  ${f.path} (${formatBytes(f.bytes)})\n`).join('')}`
  );
}
