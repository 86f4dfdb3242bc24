import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import { DedupeError } from '../../src/dedupe/errors';
import { LruTable } from '../../src/dedupe/lru';
import { isEmptyPayloadDigest } from '../../src/dedupe/candidate';
import { PrometheusRegistry } from '../../src/obs/registry';
import { candidateFor, payload } from '../helpers/dedupe-candidates';
import { startCdx } from '../helpers/dedupe-services';

describe('LruTable', () => {
  it('never holds more than maxEntries and forgets the least recently used first', () => {
    const t = new LruTable<number>(3);
    t.set('a', 1);
    t.set('b', 2);
    t.set('c', 3);
    expect(t.get('a')).toBe(1); // a is now the most recent
    t.set('d', 4); // evicts b
    expect(t.size).toBe(3);
    expect(t.has('b')).toBe(false);
    expect([t.get('a'), t.get('c'), t.get('d')]).toEqual([1, 3, 4]);
    t.set('c', 30); // overwrite refreshes, no growth
    t.set('e', 5); // evicts a (c, d, a order was a, c, d after the gets; then c refreshed)
    expect(t.size).toBe(3);
    expect(t.has('a')).toBe(false);
    expect(t.get('c')).toBe(30);
    for (let i = 0; i < 1000; i++) t.set(`k${i}`, i);
    expect(t.size).toBe(3);
    expect([t.has('k997'), t.has('k998'), t.has('k999'), t.has('k996')]).toEqual([true, true, true, false]);
  });
});

describe('local dedupe', () => {
  it('stores the first payload in full, then answers local hits pointing at it, counted in metrics', async () => {
    const metrics = new PrometheusRegistry();
    const index = createDedupeIndex({ local: true, metrics });
    try {
      const body = payload(5000, 'page');
      const first = candidateFor(body, 'http://example.com/a', 'sha1', new Date('2026-01-01T00:00:00.123Z'));
      expect(await index.check(first)).toBeNull();
      const second = candidateFor(body, 'http://example.com/b');
      expect(await index.check(second)).toEqual({
        source: 'local',
        recordId: first.recordId,
        targetUri: 'http://example.com/a',
        date: new Date('2026-01-01T00:00:00.123Z'),
      });
      expect(await index.check(candidateFor(body, 'http://example.com/c'))).toMatchObject({ source: 'local', recordId: first.recordId });
      expect(await index.check(candidateFor(payload(5000, 'other'), 'http://example.com/a'))).toBeNull();
      expect(metrics.value('local_deduped_total')).toBe(2);
      expect(metrics.value('local_deduped_bytes_total')).toBe(10000);
      expect(metrics.value('cdx_deduped_total')).toBe(0);
    } finally {
      await index.close();
    }
  });

  it('dedupes at the threshold (2048 by default) and never below it', async () => {
    const index = createDedupeIndex({ local: true });
    try {
      const small = payload(2047, 'small');
      expect(await index.check(candidateFor(small, 'http://e/1'))).toBeNull();
      expect(await index.check(candidateFor(small, 'http://e/2'))).toBeNull(); // below threshold: never a revisit
      const exact = payload(2048, 'exact');
      expect(await index.check(candidateFor(exact, 'http://e/3'))).toBeNull();
      expect(await index.check(candidateFor(exact, 'http://e/4'))).toMatchObject({ source: 'local', targetUri: 'http://e/3' });
    } finally {
      await index.close();
    }
    const custom = createDedupeIndex({ local: true, sizeThreshold: 10 });
    try {
      const nine = payload(9, 'nine');
      const ten = payload(10, 'ten');
      expect(await custom.check(candidateFor(nine, 'http://e/9'))).toBeNull();
      expect(await custom.check(candidateFor(nine, 'http://e/9b'))).toBeNull();
      expect(await custom.check(candidateFor(ten, 'http://e/10'))).toBeNull();
      expect(await custom.check(candidateFor(ten, 'http://e/10b'))).not.toBeNull();
    } finally {
      await custom.close();
    }
  });

  it('never dedupes the empty payload, even with a threshold of 0', async () => {
    const index = createDedupeIndex({ local: true, sizeThreshold: 0 });
    try {
      const empty = candidateFor(Buffer.alloc(0), 'http://e/empty');
      expect(isEmptyPayloadDigest(empty.payloadDigest)).toBe(true);
      expect(isEmptyPayloadDigest(candidateFor(Buffer.alloc(0), 'http://e/', 'sha256').payloadDigest)).toBe(true);
      // The writer's padded sha256 base32 label of the empty payload is recognised too.
      const padded = 'sha256:4OYMIQUY7QOBJGX36TEJS35ZEQT24QPEMSNZGTFESWMRW6CSXBKQ====';
      expect(isEmptyPayloadDigest(padded)).toBe(true);
      expect(empty.payloadDigest).toBe('sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ');
      for (let i = 0; i < 3; i++) expect(await index.check({ ...empty, targetUri: `http://e/${i}` })).toBeNull();
      // A lying length does not make the empty digest dedupable either.
      expect(await index.check({ ...empty, payloadLength: 4096 })).toBeNull();
      expect(await index.check({ ...empty, payloadLength: 4096 })).toBeNull();
    } finally {
      await index.close();
    }
  });

  it('respects maxEntries: an evicted payload is stored in full again', async () => {
    const index = createDedupeIndex({ local: { maxEntries: 2 } });
    try {
      const [a, b, c] = ['a', 'b', 'c'].map((s) => payload(3000, s));
      for (const body of [a!, b!, c!]) expect(await index.check(candidateFor(body, 'http://e/'))).toBeNull();
      expect(await index.check(candidateFor(c!, 'http://e/'))).not.toBeNull();
      expect(await index.check(candidateFor(b!, 'http://e/'))).not.toBeNull();
      expect(await index.check(candidateFor(a!, 'http://e/'))).toBeNull(); // evicted by c
    } finally {
      await index.close();
    }
  });

  it('gives exactly one null when the same payload is checked concurrently', async () => {
    const index = createDedupeIndex({ local: true });
    try {
      const body = payload(4000, 'concurrent');
      const candidates = Array.from({ length: 20 }, (_, i) => candidateFor(body, `http://e/${i}`));
      const results = await Promise.all(candidates.map((c) => index.check(c)));
      expect(results.filter((r) => r === null)).toHaveLength(1);
      const winner = candidates[results.indexOf(null)]!;
      expect(results.filter((r) => r !== null).every((r) => r!.recordId === winner.recordId)).toBe(true);
    } finally {
      await index.close();
    }
  });

  it('without a local table (a CDX source that knows nothing) every response is stored in full', async () => {
    const cdx = await startCdx(new Map());
    const index = createDedupeIndex({ cdx: { url: cdx.url, timeout: 2000 } });
    try {
      const body = payload(4000, 'x');
      expect(await index.check(candidateFor(body, 'http://e/'))).toBeNull();
      expect(await index.check(candidateFor(body, 'http://e/'))).toBeNull();
      expect(cdx.requests).toHaveLength(2);
    } finally {
      await index.close();
      await cdx.close();
    }
  });

  it('rejects bad candidates and bad config with typed errors, and checks after close', async () => {
    const index = createDedupeIndex({ local: true });
    const good = candidateFor(payload(3000, 'g'), 'http://e/');
    const bad = [
      { ...good, payloadDigest: 'ABCDEF' },
      { ...good, payloadLength: -1 },
      { ...good, payloadLength: 1.5 },
      { ...good, date: new Date('nope') },
      { ...good, targetUri: '' },
      { ...good, recordId: 'urn:uuid:1' },
    ];
    for (const c of bad) await expect(index.check(c)).rejects.toMatchObject({ code: 'ERR_DEDUPE_INPUT' });
    // Nothing was remembered by the failed calls.
    expect(await index.check(good)).toBeNull();
    await index.close();
    await index.close(); // idempotent
    await expect(index.check(good)).rejects.toMatchObject({ code: 'ERR_DEDUPE_CLOSED' });

    const configs = [
      { sizeThreshold: -1 },
      { sizeThreshold: 1.5 },
      { local: { maxEntries: 0 } },
      { cdx: { url: 'ftp://x' } },
      { cdx: { url: 'not a url' } },
      { cdx: { url: 'http://127.0.0.1:1', cookie: 'a\r\nb' } },
      { doppelganger: { url: 'http://127.0.0.1:1', timeout: 0 } },
      { redis: { url: 'http://127.0.0.1:6379' } },
      { redis: { url: 'redis://127.0.0.1:6379/x' } },
      { redis: { url: 'redis://127.0.0.1:6379', ttlSeconds: 0 } },
    ];
    for (const config of configs) {
      expect(() => createDedupeIndex(config)).toThrow(DedupeError);
      expect(() => createDedupeIndex(config)).toThrow(expect.objectContaining({ code: 'ERR_DEDUPE_CONFIG' }));
    }
  });
});
