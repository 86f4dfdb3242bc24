/**
 * The defaults --help states are the ones applied: the CLI's help text, the
 * client's settings and the writer read them from src/defaults.ts. (The help
 * once said `--max-file-size` defaults to 1G, 2^30 bytes in its own units, while
 * the writer rotated at 10^9.)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import capture from '../../src/cli/commands/capture';
import { parseSize } from '../../src/cli/capture/size';
import { resolveTimeouts } from '../../src/client/settings';
import { DEFAULT_SIZE_THRESHOLD } from '../../src/dedupe';
import { DEFAULT_CLIENT, DEFAULT_WRITER } from '../../src/defaults';
import { WarcWriter } from '../../src/warc/write/writer';
import { exchange } from '../helpers/warc-records';

/** The text after `default` in the help entry of `flag` (entries may wrap over lines). */
function stated(flag: string): string {
  const start = capture.usage.indexOf(`${flag} `);
  expect(start).toBeGreaterThanOrEqual(0);
  const entry = capture.usage.slice(start).split(/\n(?= {2,6}-)/)[0]!;
  const m = /default:? ([^\s)]+)/.exec(entry);
  expect(m).not.toBeNull();
  return m![1]!;
}

test('timeouts in --help are the client settings resolved with none given', () => {
  const applied = resolveTimeouts(undefined);
  expect(Number(stated('--response-timeout')) * 1000).toBe(applied.responseHeaders);
  expect(Number(stated('--idle-timeout')) * 1000).toBe(applied.idleRead);
  expect(stated('--timeout')).toBe('none');
  expect(applied.request).toBe(0);
});

test('sizes in --help read back, by the CLI size rules, as the defaults applied', () => {
  expect(parseSize(stated('--max-file-size'))).toBe(DEFAULT_WRITER.maxFileSize);
  expect(parseSize(stated('--max-response-size'))).toBe(DEFAULT_CLIENT.maxResponseBytes);
  expect(parseSize(stated('--dedupe-min-size'))).toBe(DEFAULT_SIZE_THRESHOLD);
});

test('a writer given no digest or prefix options writes what --help says', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-defaults-'));
  try {
    const writer = new WarcWriter({ directory: dir, compression: 'none' });
    await writer.write(exchange('http://example.com/', Buffer.from('body')));
    await writer.close();
    const [file] = readdirSync(dir);
    expect(file!.startsWith(`${stated('--prefix')}-`)).toBe(true);
    const digest = /WARC-Block-Digest: (\w+):([A-Z2-7]+)\r\n/.exec(readFileSync(join(dir, file!), 'latin1'));
    expect([digest?.[1], digest?.[2]?.length]).toEqual([stated('--digest'), 32]); // sha1 in base32
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
