import { createDedupeIndex } from '../../src/dedupe/dedupe-index';
import { dedupeSavings } from '../../src/dedupe/savings';
import { parseDedupeSpecs } from '../../src/dedupe/spec';
import { PrometheusRegistry } from '../../src/obs/registry';
import { candidateFor, payload, sha1Base32 } from '../helpers/dedupe-candidates';
import { startDoppelganger } from '../helpers/dedupe-services';

describe('parseDedupeSpecs (--dedupe)', () => {
  it('turns repeated --dedupe values into one config', () => {
    expect(parseDedupeSpecs(['local', 'redis://127.0.0.1:6379/2', 'cdx:http://cdx.local', 'doppelganger:http://dg.local:8080'], { sizeThreshold: 10 })).toEqual({
      sizeThreshold: 10,
      local: true,
      redis: { url: 'redis://127.0.0.1:6379/2' },
      cdx: { url: 'http://cdx.local' },
      doppelganger: { url: 'http://dg.local:8080' },
    });
    expect(parseDedupeSpecs(['local:500'])).toEqual({ local: { maxEntries: 500 } });
  });

  it('rejects unknown and repeated values with a typed error', () => {
    for (const specs of [['lokal'], ['cdx'], ['local', 'local:5'], ['cdx:http://a', 'cdx:http://b'], ['http://x']]) {
      expect(() => parseDedupeSpecs(specs)).toThrow(expect.objectContaining({ code: 'ERR_DEDUPE_CONFIG' }));
    }
  });
});

describe('dedupeSavings', () => {
  it('sums what each source saved from the registry the index counted into', async () => {
    const remoteBody = payload(3000, 'remote');
    const dg = await startDoppelganger(new Map([[sha1Base32(remoteBody), { id: '<urn:uuid:o>', uri: 'http://e/o', date: '2024-01-01T00:00:00Z' }]]));
    const metrics = new PrometheusRegistry();
    const index = createDedupeIndex({ ...parseDedupeSpecs(['local', `doppelganger:${dg.url}`]), metrics });
    try {
      const body = payload(5000, 'local');
      await index.check(candidateFor(body, 'http://e/1'));
      await index.check(candidateFor(body, 'http://e/2'));
      await index.check(candidateFor(body, 'http://e/3'));
      await index.check(candidateFor(remoteBody, 'http://e/4'));
      expect(dedupeSavings(metrics)).toEqual({
        records: 3,
        bytes: 13000,
        bySource: {
          local: { records: 2, bytes: 10000 },
          redis: { records: 0, bytes: 0 },
          doppelganger: { records: 1, bytes: 3000 },
          cdx: { records: 0, bytes: 0 },
        },
        lookupErrors: 0,
      });
    } finally {
      await index.close();
      await dg.close();
    }
  });
});
