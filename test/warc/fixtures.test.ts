/**
 * Every conformance fixture (../shared/fixtures/warc/) read in tolerant mode;
 * `check` must report exactly the damage the folder's README lists.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkFile, type CheckReport } from '../../src/warc/tools/check';
import { WarcReader } from '../../src/warc/read/reader';
import { FIXTURES } from '../helpers/warc-backend';

/**
 * Failing records per damaged fixture, as `<type> <kind>` (README: "Block digest mismatches on
 * purpose or by damage", the wrong payload digest of example-digest, the gowarc corrupted .open files).
 * Every fixture not listed must pass.
 */
const DAMAGE: Record<string, string[]> = {
  // Content-Length too small: the block ends early (digest) and no CRLFCRLF follows it.
  'warcio--example-wrong-chunks.warc.gz': ['response block-digest', 'response trailer'],
  // Truncated response, then NUL padding: block (and so payload) digests cannot match.
  'warcio--example-trunc.warc': ['response block-digest', 'response payload-digest'],
  // Content-Length wrong on the response and on the revisit.
  'warcio-js--example-bad-length.warc': ['response block-digest', 'response payload-digest', 'revisit block-digest'],
  // Whole file in one gzip member; its revisit's block differs from its digest.
  'warcio--example-bad-non-chunked.warc.gz': ['revisit block-digest'],
  // One payload digest wrong on purpose (not even valid base32).
  'warcio--example-digest.warc': ['request payload-digest'],
  // Crash-recovery inputs: bytes after the last good member.
  'gowarc--corrupted-mid-record.warc.gz.open': ['- garbage'],
  'gowarc--corrupted-trailing-bytes.warc.gz.open': ['- garbage'],
  // An empty gzip member and nothing else: no record at all is a failure of its own.
  'gowarc--empty.warc.gz.open': ['- no-record'],
};

/** Fixtures whose chunked responses carry a payload digest over the raw chunked bytes (README). */
const LEGACY = ['warcio--example-iana.org-chunked.warc', 'warcio-js--post-test-more.warc', 'webarchive-commons--IAH-urls-wget.warc.gz', 'node-warc--parseMe.warc.gz'];

const files = readdirSync(FIXTURES).filter((f) => /\.warc(\.gz)?(\.open)?$/.test(f));

describe('conformance fixtures', () => {
  const reports = new Map<string, CheckReport>();
  beforeAll(async () => {
    for (const f of files) reports.set(f, await checkFile(join(FIXTURES, f)));
  });

  test('the fixture folder is there', () => {
    expect(files.length).toBeGreaterThanOrEqual(35);
  });

  test.each(files)('%s: exactly the listed damage', (file) => {
    const report = reports.get(file) as CheckReport;
    const found = report.errors.map((e) => `${e.recordType ?? '-'} ${e.kind}`).sort();
    expect(found).toEqual([...(DAMAGE[file] ?? [])].sort());
    if (file !== 'gowarc--empty.warc.gz.open') expect(report.records.length).toBeGreaterThan(0);
  });

  test('legacy chunked payload digests pass with a note saying so', () => {
    for (const f of LEGACY) {
      const report = reports.get(f) as CheckReport;
      const legacy = report.records.filter((r) => r.digests.payload === 'legacy');
      expect({ f, legacy: legacy.length > 0 }).toEqual({ f, legacy: true });
      expect(report.issues.some((i) => i.severity === 'note' && /legacy/.test(i.message))).toBe(true);
    }
  });

  test('revisits: payload not checked, and the report says so', () => {
    for (const f of files.filter((n) => n.includes('revisit'))) {
      const report = reports.get(f) as CheckReport;
      const revisits = report.records.filter((r) => r.type === 'revisit');
      expect(revisits.length).toBeGreaterThan(0);
      for (const r of revisits) {
        expect(r.digests.payload).toBe('not-checked');
        expect(r.issues.some((i) => /revisit: payload digest not checked/.test(i.message))).toBe(true);
      }
    }
  });

  test('digests in base32, base16, base64 and url-safe base64 all verify', () => {
    const report = reports.get('warcio--example-digest.warc') as CheckReport;
    expect(report.records.map((r) => [r.digests.block, r.digests.payload])).toEqual([
      ['ok', 'mismatch'],
      ['ok', 'ok'],
      ['ok', 'ok'],
      ['ok', 'ok'],
    ]);
  });

  test('mixed sha1 / sha256 digests verify', () => {
    const report = reports.get('warcio-js--example.warc') as CheckReport;
    expect(report.records.filter((r) => r.digests.block === 'ok').length).toBeGreaterThan(0);
    expect(report.errors).toEqual([]);
  });

  test('gzip-compressed file named .warc is detected by magic bytes', async () => {
    const reader = new WarcReader(join(FIXTURES, 'warcio-js--post-test-more.warc'));
    let n = 0;
    for await (const r of reader) {
      n++;
      await r.finish();
    }
    expect(reader.compression).toBe('gzip');
    expect(n).toBe(6);
  });

  test('whole-file gzip: records are read, and the shared member is noted', () => {
    const report = reports.get('warcio--example-bad-non-chunked.warc.gz') as CheckReport;
    expect(report.records.map((r) => r.type)).toEqual(['warcinfo', 'warcinfo', 'response', 'request', 'revisit', 'request']);
    expect(report.issues.some((i) => i.kind === 'member' && i.severity === 'note')).toBe(true);
  });

  test('strict mode throws a typed error with the offset at the first damage', async () => {
    const read = async (): Promise<void> => {
      for await (const r of new WarcReader(join(FIXTURES, 'warcio--example-wrong-chunks.warc.gz'), { strict: true })) await r.finish();
    };
    await expect(read()).rejects.toMatchObject({ code: 'ERR_WARC_PARSE', offset: 0 });
    const garbage = async (): Promise<void> => {
      for await (const r of new WarcReader(join(FIXTURES, 'gowarc--corrupted-trailing-bytes.warc.gz.open'), { strict: true })) await r.finish();
    };
    await expect(garbage()).rejects.toMatchObject({ code: 'ERR_WARC_PARSE', offset: 2362 });
  });
});
