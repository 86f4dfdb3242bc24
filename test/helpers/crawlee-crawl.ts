/**
 * Runs a real Crawlee 3 crawler (CheerioCrawler or HttpCrawler) with WarcHttpClient
 * over a crawl site, Crawlee's storage in a temp dir, and reads back what was
 * recorded: warcio's view (independent) and ours (for the WARC headers).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { base32Encode } from '../../src/digest/base32';
import { readAll, type ReadBack } from './warc-read';
import { warcioRead, type WarcioRecord } from './warc-tools';

export type CrawlerKind = 'cheerio' | 'http';

export interface CrawlRun {
  dir: string;
  /** Every file the writer left, as on disk. */
  files: string[];
  warcio: WarcioRecord[];
  ours: ReadBack[];
  stats: { requestsFinished: number; requestsFailed: number; requestsRetries: number };
  handled: string[];
  /** proxyUrl of each request Crawlee sent, by URL path, per attempt. */
  proxies: Array<{ path: string; proxyUrl: string | undefined; session: string | undefined }>;
}

export interface CrawlOptions {
  proxyUrls?: string[];
  maxConcurrency?: number;
  navigationTimeoutSecs?: number;
}

export function sha1Base32(bytes: Buffer): string {
  return `sha1:${base32Encode(createHash('sha1').update(bytes).digest())}`;
}

export function header(record: ReadBack, name: string): string | undefined {
  return record.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

const CHILD = join(__dirname, 'crawlee-crawl-child.ts');
const REGISTER = join(__dirname, 'warc-ts-register.js');

/**
 * Crawls in a child `node`: Crawlee's HttpCrawler imports got-scraping (ESM)
 * dynamically, which jest's module sandbox refuses without --experimental-vm-modules.
 * The site stays in this process, so its log is here.
 */
export async function crawl(kind: CrawlerKind, startUrl: string, options: CrawlOptions = {}): Promise<CrawlRun> {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-crawlee-'));
  const child = spawn(process.execPath, ['-r', REGISTER, CHILD, kind, startUrl, dir, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the crawl child exited with ${code}: ${Buffer.concat(err).toString().slice(-3000)}`);
  const lines = Buffer.concat(out).toString().trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1]!) as Pick<CrawlRun, 'stats' | 'handled' | 'proxies'>;
  const warcs = join(dir, 'warcs');
  const files = readdirSync(warcs).map((f) => join(warcs, f));
  const warcio = files.flatMap((f) => (f.endsWith('.open') ? [] : warcioRead(f)));
  const ours: ReadBack[] = [];
  for (const f of files) if (!f.endsWith('.open')) ours.push(...(await readAll(f)).records);
  return { dir, files, warcio, ours, ...result };
}

export function removeRun(run: CrawlRun | undefined): void {
  if (run) rmSync(run.dir, { recursive: true, force: true });
}
