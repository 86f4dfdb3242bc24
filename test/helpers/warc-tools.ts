/** Independent tools for checking our output: the warcio npm package (in a child node), the zstd CLI. */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** What warcio sees of every record, in either mode. */
interface WarcioEntry {
  type: string;
  id: string;
  targetUri: string | null;
  date: string;
  contentType: string | null;
  ipAddress: string | null;
  concurrentTo: string | null;
  blockDigest: string | null;
  payloadDigest: string | null;
  /** The WARC Content-Length header. */
  contentLength: number;
  /** WARC-Truncated, when the record has it. */
  truncated: string | null;
  offset: number;
  length: number;
}

/** A record read without HTTP parsing: the block as stored. */
export interface WarcioRecord extends WarcioEntry {
  blockLength: number;
  /** sha1 of the block as warcio returned it, base32. */
  sha1: string;
}

/** A record read with warcio's HTTP parsing. */
export interface WarcioHttpRecord extends WarcioEntry {
  status: number | null;
  method: string | null;
  statusline: string | null;
  /** HTTP header lines, `Name: value`. */
  headers: string[];
  /** sha1 of the content (payload without transfer encoding), base32. */
  contentSha1: string;
  /** The content as UTF-8, first 500 characters. */
  text: string;
}

const SCRIPT = join(__dirname, 'warcio-read.mjs');

function runWarcio(args: string[], input?: Buffer): unknown {
  const out = execFileSync(process.execPath, [SCRIPT, ...args], { input, maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(out.toString());
}

/** Records of a WARC file as warcio (ESM, so a child process) reads them; `input` feeds stdin instead. */
export function warcioRead(path: string | null, input?: Buffer): WarcioRecord[] {
  return runWarcio([path ?? '-'], input) as WarcioRecord[];
}

/** Records of a WARC file as warcio reads them when it parses the HTTP messages. */
export function warcioReadHttp(path: string): WarcioHttpRecord[] {
  return runWarcio([path, '--http']) as WarcioHttpRecord[];
}

/** Compresses `source` into `target` with the zstd CLI: one frame over the whole file, as other tools make them. */
export function zstdFileFromCli(source: string, target: string): void {
  const r = zstdCli(['-q', '-f', source, '-o', target]);
  if (r.status !== 0) throw new Error(`zstd ${source} failed: ${r.stderr}`);
}

export function zstdCli(args: string[], input?: Buffer): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync('zstd', args, { input, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

export interface ZstdFrameInfo {
  offset: number;
  length: number;
  skippable: boolean;
  magic: number;
  contentSizeFlag: boolean;
  checksumFlag: boolean;
  dictionaryId: number;
}

/** Walks the frames of a zstd file by their headers and block headers (RFC 8878). */
export function zstdFrames(data: Buffer): ZstdFrameInfo[] {
  const frames: ZstdFrameInfo[] = [];
  let at = 0;
  while (at < data.length) {
    const magic = data.readUInt32LE(at);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      const size = data.readUInt32LE(at + 4);
      frames.push({ offset: at, length: 8 + size, skippable: true, magic, contentSizeFlag: false, checksumFlag: false, dictionaryId: 0 });
      at += 8 + size;
      continue;
    }
    if (magic !== 0xfd2fb528) throw new Error(`not a zstd frame at ${at}`);
    const fhd = data[at + 4];
    const fcsFlag = fhd >> 6;
    const single = (fhd >> 5) & 1;
    const checksum = (fhd >> 2) & 1;
    const dictFlag = fhd & 3;
    let p = at + 5 + (single ? 0 : 1);
    const dictSize = [0, 1, 2, 4][dictFlag];
    const dictionaryId = dictSize === 0 ? 0 : data.readUIntLE(p, dictSize);
    p += dictSize;
    p += fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag];
    for (;;) {
      const header = data.readUIntLE(p, 3);
      const last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >> 3;
      p += 3 + (type === 1 ? 1 : size);
      if (last) break;
    }
    if (checksum) p += 4;
    frames.push({ offset: at, length: p - at, skippable: false, magic, contentSizeFlag: fcsFlag !== 0 || single === 1, checksumFlag: checksum === 1, dictionaryId });
    at = p;
  }
  return frames;
}

const WARCIO_CLI = join(__dirname, '..', '..', 'node_modules', 'warcio', 'dist', 'cli.js');

/** warcio's `cdx-index` (its CLI, in a child node): CDXJ lines with compact JSON. */
export function warcioCdxIndex(...paths: string[]): string[] {
  return execFileSync(process.execPath, [WARCIO_CLI, 'cdx-index', ...paths]).toString().split('\n').filter((l) => l !== '');
}

export interface CdxjParts {
  key: string;
  ts: string;
  json: Record<string, string>;
}

/**
 * A CDXJ line split into key, timestamp and fields, so ours (Python-json spacing)
 * and warcio's (compact) compare; spaces in keys (warcio leaves them) are
 * compared as %20, which we write.
 */
export function parseCdxjLine(line: string): CdxjParts {
  const j = line.indexOf(' {"');
  const head = line.slice(0, j);
  return { key: head.slice(0, -15).replace(/ /g, '%20'), ts: head.slice(-14), json: JSON.parse(line.slice(j + 1)) as Record<string, string> };
}
