/**
 * Child of member-decoder-bounds.test.ts: decodes one crafted bomb (zstd RLE frame or
 * gzip member) handed over whole in one write(), drains it, and prints what it saw as
 * JSON: total output, largest single step, calls, and RSS growth (bytes).
 */
import * as zlib from 'node:zlib';
import { loadBackend } from '../../../src/backend';
import { rleBomb } from '../../helpers/zstd-frames';

const kind = process.env['BOMB_KIND'] === 'gzip' ? 'gzip' : 'zstd';
const size = Number(process.env['BOMB_BYTES']);
const input = kind === 'zstd' ? rleBomb(size, 0x41) : zlib.gzipSync(Buffer.alloc(size, 0x41), { level: 9 });
const decoder = loadBackend().createMemberDecoder({ compression: kind });
const rssBefore = process.memoryUsage().rss;
const maxRssBefore = process.resourceUsage().maxRSS * 1024;
let total = 0;
let largest = 0;
let calls = 0;
let peakRss = rssBefore;
let rest: Buffer = input;
for (let pending = true; pending; ) {
  const step = decoder.write(rest);
  calls++;
  rest = rest.subarray(step.consumed);
  total += step.output.length;
  largest = Math.max(largest, step.output.length);
  if (calls % 64 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  pending = step.pending || (rest.length > 0 && !step.memberEnd);
  if (step.memberEnd) break;
}
decoder.close();
const maxRssGrowth = process.resourceUsage().maxRSS * 1024 - maxRssBefore;
process.stdout.write(JSON.stringify({ inputBytes: input.length, total, largest, calls, rssGrowth: peakRss - rssBefore, maxRssGrowth }));
