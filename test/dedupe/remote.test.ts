import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import { PrometheusRegistry } from '../../src/obs/registry';
import { freePort } from '../helpers/net-ports';
import { candidateFor, payload, sha1Base32 } from '../helpers/dedupe-candidates';
import { cdxLine, startCdx, startDoppelganger, startHungServer, type DoppelgangerRecord } from '../helpers/dedupe-services';
import { recordingLogger } from '../helpers/recording-logger';
import { parsePrometheusText } from '../obs/prom-text-parser';

describe('Doppelganger lookups', () => {
  it('asks GET /api/records/{digest}?uri= and turns the answer into a hit with WARC-Refers-To', async () => {
    const known = payload(6000, 'archived');
    const records = new Map<string, DoppelgangerRecord>([
      [sha1Base32(known), { id: 'urn:uuid:0b6e8b5e-0c89-4a86-a3c0-1f7e0f4fa0a1', uri: 'http://example.com/orig', date: '2025-01-20T10:30:00Z' }],
    ]);
    const service = await startDoppelganger(records);
    const metrics = new PrometheusRegistry();
    const index = createDedupeIndex({ local: true, doppelganger: { url: service.url + '/', timeout: 2000 }, metrics });
    try {
      const hit = await index.check(candidateFor(known, 'http://example.com/page?a=1&b=2'));
      expect(hit).toEqual({
        source: 'doppelganger',
        recordId: '<urn:uuid:0b6e8b5e-0c89-4a86-a3c0-1f7e0f4fa0a1>',
        targetUri: 'http://example.com/orig',
        date: '2025-01-20T10:30:00Z',
      });
      expect(service.requests[0]!.path).toBe(`/api/records/${sha1Base32(known)}?uri=${encodeURIComponent('http://example.com/page?a=1&b=2')}`);

      const unknown = payload(6000, 'new');
      expect(await index.check(candidateFor(unknown, 'http://example.com/new'))).toBeNull();
      expect(service.requests).toHaveLength(2);
      // Now known locally: no third request.
      expect(await index.check(candidateFor(unknown, 'http://example.com/new'))).toMatchObject({ source: 'local' });
      expect(service.requests).toHaveLength(2);

      expect(metrics.value('doppelganger_deduped_total')).toBe(1);
      expect(metrics.value('doppelganger_deduped_bytes_total')).toBe(6000);
      expect(metrics.value('local_deduped_total')).toBe(1);
      expect(metrics.total('dedupe_lookup_errors_total')).toBe(0);
    } finally {
      await index.close();
      await service.close();
    }
  });

  it('counts and logs bad answers (500, invalid JSON, missing fields) and stores the full record', async () => {
    for (const [status, body, reason] of [
      [500, 'oops', 'http_status'],
      [200, '{not json', 'bad_response'],
      [200, '{"id":"x"}', 'bad_response'],
      // A well-formed record padded to 1 MiB: an answer is one record, so past 64 KiB it is not
      // read on (each lookup in flight used to hold up to 8 MiB, twice).
      [200, JSON.stringify({ id: 'urn:uuid:0b6e8b5e-0c89-4a86-a3c0-1f7e0f4fa0a1', uri: 'http://e/', date: '2025-01-20T10:30:00Z' }) + ' '.repeat(1024 * 1024), 'bad_response'],
    ] as const) {
      const body6k = payload(6000, `bad-${status}-${body}`);
      const service = await startDoppelganger(new Map(), { status, body });
      const metrics = new PrometheusRegistry();
      const { logger, lines } = recordingLogger();
      const index = createDedupeIndex({ doppelganger: { url: service.url }, metrics, logger });
      try {
        expect(await index.check(candidateFor(body6k, 'http://e/'))).toBeNull();
        expect(metrics.value('dedupe_lookup_errors_total', { source: 'doppelganger', reason })).toBe(1);
        expect(lines).toEqual([
          expect.objectContaining({ level: 'warn', msg: 'dedupe lookup failed, storing full record', fields: expect.objectContaining({ source: 'doppelganger', reason, component: 'dedupe' }) }),
        ]);
      } finally {
        await index.close();
        await service.close();
      }
    }
  });
});

describe('CDX lookups', () => {
  it('takes the first non-revisit line whose digest matches, sends the cookie, converts the timestamp', async () => {
    const body = payload(9000, 'cdx');
    const digest = sha1Base32(body);
    const lines = new Map([
      [
        'http://example.com/img.png',
        [
          cdxLine({ timestamp: '20240101000000', original: 'http://example.com/img.png', mime: 'image/png', status: '200', digest: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
          cdxLine({ timestamp: '20240202000000', original: 'http://example.com/img.png', mime: 'warc/revisit', status: '-', digest }),
          'garbage line',
          cdxLine({ timestamp: '20240303121314', original: 'http://example.com/img.png?v=1', mime: 'image/png', status: '200', digest }),
          cdxLine({ timestamp: '20240404000000', original: 'http://example.com/img.png?v=2', mime: 'image/png', status: '200', digest }),
        ],
      ],
    ]);
    const service = await startCdx(lines, { requireCookie: 'session=abc' });
    const metrics = new PrometheusRegistry();
    const index = createDedupeIndex({ cdx: { url: service.url, cookie: 'session=abc', timeout: 2000 }, metrics });
    try {
      expect(await index.check(candidateFor(body, 'http://example.com/img.png'))).toEqual({
        source: 'cdx',
        targetUri: 'http://example.com/img.png?v=1',
        date: '2024-03-03T12:13:14Z',
      });
      expect(service.requests[0]!.path).toBe(`/web/timemap/cdx?url=${encodeURIComponent('http://example.com/img.png')}&limit=-1`);
      expect(service.requests[0]!.headers.cookie).toBe('session=abc');
      // Only revisit lines match: not an original.
      const onlyRevisit = payload(9000, 'only-revisit');
      lines.set('http://example.com/r', [cdxLine({ timestamp: '20240101000000', original: 'http://example.com/r', mime: 'warc/revisit', status: '-', digest: sha1Base32(onlyRevisit) })]);
      expect(await index.check(candidateFor(onlyRevisit, 'http://example.com/r'))).toBeNull();
      expect(metrics.value('cdx_deduped_total')).toBe(1);
      expect(metrics.value('cdx_deduped_bytes_total')).toBe(9000);
    } finally {
      await index.close();
      await service.close();
    }
  });

  it('is not asked about sha256 digests (it only knows sha1), nor below the threshold', async () => {
    const body = payload(9000, 'sha256');
    const service = await startCdx(new Map());
    const index = createDedupeIndex({ local: true, cdx: { url: service.url }, digestAlgorithm: 'sha256' });
    try {
      expect(await index.check(candidateFor(body, 'http://e/', 'sha256'))).toBeNull();
      expect(await index.check(candidateFor(payload(100, 'small'), 'http://e/small'))).toBeNull();
      expect(service.requests).toHaveLength(0);
      expect(await index.check(candidateFor(body, 'http://e/again', 'sha256'))).toMatchObject({ source: 'local' });
    } finally {
      await index.close();
      await service.close();
    }
  });

  it('a dead CDX server (connection refused) → full record, counted and logged', async () => {
    const port = await freePort();
    const metrics = new PrometheusRegistry();
    const { logger, lines } = recordingLogger();
    const index = createDedupeIndex({ local: true, cdx: { url: `http://127.0.0.1:${port}`, timeout: 1000 }, metrics, logger });
    try {
      const body = payload(5000, 'dead');
      expect(await index.check(candidateFor(body, 'http://e/dead'))).toBeNull();
      expect(metrics.value('dedupe_lookup_errors_total', { source: 'cdx', reason: 'network' })).toBe(1);
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
      expect(lines[0]!.fields).toMatchObject({ source: 'cdx', uri: 'http://e/dead' });
      // The full record was remembered: the duplicate is a local revisit.
      expect(await index.check(candidateFor(body, 'http://e/dead2'))).toMatchObject({ source: 'local' });
    } finally {
      await index.close();
    }
  });

  it('a slow CDX server → full record within the timeout, counted as timeout', async () => {
    const hung = await startHungServer();
    const metrics = new PrometheusRegistry();
    const index = createDedupeIndex({ cdx: { url: hung.url, timeout: 300 }, metrics });
    try {
      const started = Date.now();
      const results = await Promise.all([1, 2, 3].map((i) => index.check(candidateFor(payload(5000, `slow${i}`), `http://e/${i}`))));
      const elapsed = Date.now() - started;
      expect(results).toEqual([null, null, null]);
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(3000);
      expect(hung.connections()).toBeGreaterThanOrEqual(1);
      expect(metrics.value('dedupe_lookup_errors_total', { source: 'cdx', reason: 'timeout' })).toBe(3);

      // Prometheus output parses and says the same.
      const parsed = parsePrometheusText(metrics.toPrometheus());
      const errors = parsed.get('dedupe_lookup_errors_total')!;
      expect(errors.type).toBe('counter');
      expect(errors.samples).toEqual([{ name: 'dedupe_lookup_errors_total', labels: { source: 'cdx', reason: 'timeout' }, value: 3 }]);
      const duration = parsed.get('dedupe_lookup_duration_seconds')!;
      expect(duration.samples.find((s) => s.name === 'dedupe_lookup_duration_seconds_count')!.value).toBe(3);
      expect(duration.samples.find((s) => s.name === 'dedupe_lookup_duration_seconds_bucket' && s.labels.le === '0.25')!.value).toBe(0);
    } finally {
      await index.close();
      await hung.close();
    }
  });
});

describe('lookup order local → Doppelganger → CDX', () => {
  it('stops at the first service that knows the payload and counts each source separately', async () => {
    const inDoppel = payload(3000, 'd');
    const inCdx = payload(3000, 'c');
    const inNeither = payload(3000, 'n');
    const doppel = await startDoppelganger(new Map([[sha1Base32(inDoppel), { id: '<urn:uuid:d>', uri: 'http://e/d', date: '20240101000000' }]]));
    const cdx = await startCdx(
      new Map([
        ['http://e/c', [cdxLine({ timestamp: '20230101000000', original: 'http://e/c', mime: 'text/html', status: '200', digest: sha1Base32(inCdx) })]],
        ['http://e/d', [cdxLine({ timestamp: '20230101000000', original: 'http://e/d', mime: 'text/html', status: '200', digest: sha1Base32(inDoppel) })]],
      ]),
    );
    const metrics = new PrometheusRegistry();
    const index = createDedupeIndex({ local: true, doppelganger: { url: doppel.url }, cdx: { url: cdx.url }, metrics });
    try {
      expect(await index.check(candidateFor(inDoppel, 'http://e/d'))).toMatchObject({ source: 'doppelganger', date: '2024-01-01T00:00:00Z' });
      expect(cdx.requests).toHaveLength(0);
      expect(await index.check(candidateFor(inCdx, 'http://e/c'))).toMatchObject({ source: 'cdx' });
      expect(await index.check(candidateFor(inNeither, 'http://e/n'))).toBeNull();
      expect([doppel.requests.length, cdx.requests.length]).toEqual([3, 2]);
      expect(await index.check(candidateFor(inNeither, 'http://e/n'))).toMatchObject({ source: 'local' });
      expect([doppel.requests.length, cdx.requests.length]).toEqual([3, 2]);

      const parsed = parsePrometheusText(metrics.toPrometheus());
      const value = (name: string): number => parsed.get(name)!.samples[0]!.value;
      expect([value('local_deduped_total'), value('doppelganger_deduped_total'), value('cdx_deduped_total')]).toEqual([1, 1, 1]);
      expect([value('local_deduped_bytes_total'), value('doppelganger_deduped_bytes_total'), value('cdx_deduped_bytes_total')]).toEqual([3000, 3000, 3000]);
    } finally {
      await index.close();
      await doppel.close();
      await cdx.close();
    }
  });
});
