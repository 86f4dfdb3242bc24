/**
 * Fixed-seed synthetic corpora shared by the bench sections. Same seed, same
 * bytes, on every machine and every run, so native and js (and peers) are
 * measured on identical input.
 *
 * - web-like: 70 % of records 2-30 KiB HTML-like text, 25 % 30-500 KiB mixed
 *   (text with embedded binary runs), 5 % 0.5-8 MiB incompressible.
 * - small: 1-4 KiB HTML-like records.
 *
 * Beside them, one real corpus read from disk: the HTML pages of Debian's
 * nodejs-doc package (a fixed package version gives the same bytes).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CorpusRecord {
  /** A WARC-like header block (ends with CRLFCRLF). */
  header: Buffer;
  /** The record block (HTTP response bytes stand-in). */
  block: Buffer;
}

export interface Corpus {
  name: string;
  records: CorpusRecord[];
  /** Sum of header + block bytes. */
  totalBytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** mulberry32: small, fast, deterministic PRNG in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic incompressible bytes: AES-128-CTR keystream keyed by the seed. */
export function incompressibleBytes(length: number, seed: number): Buffer {
  const key = createHash('sha256').update(`warcwire-bench-${seed}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return cipher.update(Buffer.alloc(length));
}

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were ' +
  'archive web crawler record response request header content length type date server cache control html body div span ' +
  'class style script link href title meta charset utf viewport width device initial scale navigation footer section ' +
  'article image gallery product price search results page next previous login account privacy policy terms contact'
).split(' ');
const TAGS = ['div', 'p', 'span', 'a', 'li', 'td', 'section', 'article', 'h2', 'em'];
const ATTRS = ['class="item"', 'class="nav-link active"', 'id="main"', 'data-id="{n}"', 'href="/page/{n}.html"', 'style="margin:0"'];

/** One pool of HTML-like text; records take random slices so they differ but compress like web pages. */
function htmlPool(size: number, random: () => number): Buffer {
  const parts: string[] = ['<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>page</title></head><body>\n'];
  let length = parts[0]!.length;
  while (length < size) {
    const tag = TAGS[Math.floor(random() * TAGS.length)]!;
    const attr = ATTRS[Math.floor(random() * ATTRS.length)]!.replace('{n}', String(Math.floor(random() * 100000)));
    const words: string[] = [];
    const count = 3 + Math.floor(random() * 25);
    for (let i = 0; i < count; i++) words.push(WORDS[Math.floor(random() * WORDS.length)]!);
    const piece = `<${tag} ${attr}>${words.join(' ')}</${tag}>\n`;
    parts.push(piece);
    length += piece.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

function between(random: () => number, min: number, max: number): number {
  return Math.floor(min + random() * (max - min));
}

function textBlock(pool: Buffer, size: number, random: () => number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const take = Math.min(size - filled, between(random, 2 * KiB, 16 * KiB));
    const from = between(random, 0, pool.length - take);
    pool.copy(out, filled, from, from + take);
    filled += take;
  }
  return out;
}

function mixedBlock(pool: Buffer, size: number, random: () => number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let filled = 0;
  let run = 0;
  while (filled < size) {
    const take = Math.min(size - filled, between(random, 4 * KiB, 64 * KiB));
    const chunk = random() < 0.5 ? textBlock(pool, take, random) : incompressibleBytes(take, seed * 1000 + run++);
    chunk.copy(out, filled);
    filled += take;
  }
  return out;
}

function warcHeader(index: number, blockLength: number): Buffer {
  return Buffer.from(
    'WARC/1.1\r\nWARC-Type: response\r\n' +
      `WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}>\r\n` +
      'WARC-Date: 2026-01-01T00:00:00.000000Z\r\n' +
      `WARC-Target-URI: https://example.com/page/${index}.html\r\n` +
      'Content-Type: application/http; msgtype=response\r\n' +
      `Content-Length: ${blockLength}\r\n\r\n`,
  );
}

function finish(name: string, blocks: Buffer[]): Corpus {
  const records = blocks.map((block, i) => ({ header: warcHeader(i, block.length), block }));
  return { name, records, totalBytes: records.reduce((sum, r) => sum + r.header.length + r.block.length, 0) };
}

/** The web-like corpus; `quick` makes it ~5x smaller (same distribution). */
export function webCorpus(options: { quick: boolean; seed?: number }): Corpus {
  const seed = options.seed ?? 2026;
  const target = options.quick ? 32 * MiB : 160 * MiB;
  const random = seededRandom(seed);
  const pool = htmlPool(4 * MiB, random);
  const blocks: Buffer[] = [];
  let total = 0;
  while (total < target) {
    const pick = random();
    let block: Buffer;
    if (pick < 0.7) block = textBlock(pool, between(random, 2 * KiB, 30 * KiB), random);
    else if (pick < 0.95) block = mixedBlock(pool, between(random, 30 * KiB, 500 * KiB), random, seed + blocks.length);
    else block = incompressibleBytes(between(random, 512 * KiB, 8 * MiB), seed + blocks.length);
    blocks.push(block);
    total += block.length;
  }
  return finish(options.quick ? 'web-like (quick)' : 'web-like', blocks);
}

/** Many small records (1-4 KiB HTML-like text). */
export function smallCorpus(options: { quick: boolean; seed?: number }): Corpus {
  const seed = options.seed ?? 4242;
  const target = options.quick ? 8 * MiB : 32 * MiB;
  const random = seededRandom(seed);
  const pool = htmlPool(2 * MiB, random);
  const blocks: Buffer[] = [];
  let total = 0;
  while (total < target) {
    const block = textBlock(pool, between(random, 1 * KiB, 4 * KiB), random);
    blocks.push(block);
    total += block.length;
  }
  return finish(options.quick ? '1-4 KiB (quick)' : '1-4 KiB', blocks);
}

/** Cycles the corpus's records until `bytes` of input. */
export function repeatCorpus(corpus: Corpus, bytes: number, name: string): Corpus {
  const records: CorpusRecord[] = [];
  let total = 0;
  for (let i = 0; total < bytes; i++) {
    const record = corpus.records[i % corpus.records.length]!;
    records.push(record);
    total += record.header.length + record.block.length;
  }
  return { name, records, totalBytes: total };
}

/** Unpacks nodejs-doc's pages into .cache (scripts/fetch-html-corpus.sh) and returns their folder, or undefined if that failed. */
function fetchedHtmlDir(): string | undefined {
  const script = path.resolve(__dirname, '../../scripts/fetch-html-corpus.sh');
  try {
    return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function htmlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) return htmlFiles(file);
      return entry.isFile() && entry.name.endsWith('.html') ? [file] : [];
    })
    .sort();
}

/**
 * The HTML pages of nodejs-doc, one record each, cycled to 64 MB (quick: 16 MB) so a
 * pass lasts long enough to time. `missing` says how to get the pages when they are not there.
 */
export function realHtmlCorpus(options: { quick: boolean; dir?: string }): Corpus | { missing: string } {
  const dir = options.dir ?? fetchedHtmlDir() ?? '.cache/html-corpus';
  let files: string[];
  try {
    files = htmlFiles(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    files = [];
  }
  if (files.length === 0) {
    return {
      missing:
        `no HTML pages under ${dir}: the real-HTML corpus is Debian's nodejs-doc package, unpacked by ` +
        '`bash scripts/fetch-html-corpus.sh` (it needs apt package lists: run `apt-get update` first)',
    };
  }
  const pages = finish('nodejs-doc HTML', files.map((file) => fs.readFileSync(file)));
  const name = options.quick ? 'nodejs-doc HTML (quick)' : 'nodejs-doc HTML';
  return repeatCorpus(pages, options.quick ? 16 * MiB : 64 * MiB, name);
}
