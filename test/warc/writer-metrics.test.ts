/**
 * The writer reports under the shared metric names (src/obs/metric-names.ts), so the
 * seeds' dashboards see them: total_data_written is every byte on disk, records are
 * counted by WARC-Type, files as they open.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS } from '../../src/obs/metric-names';
import { createMetricsRegistry } from '../../src/obs/registry';
import { WarcWriter } from '../../src/warc/write/writer';
import { backend, tempDir } from '../helpers/warc-backend';
import { exchanges } from '../helpers/warc-records';

describe(`writer metrics (backend ${backend.name})`, () => {
  const { dir, cleanup } = tempDir('metrics');
  afterAll(cleanup);

  test.each(['gzip', 'none'] as const)('%s: total_data_written equals the bytes of every file; records and files counted', async (compression) => {
    const registry = createMetricsRegistry();
    const writer = new WarcWriter({ directory: dir, prefix: `M-${compression}`, compression, hostname: 'metrics', backend, metrics: registry, writers: 2, maxFileSize: 20_000 });
    const pairs = exchanges(30, 7);
    await Promise.all(pairs.map((pair) => writer.write(pair)));
    await writer.close();
    const files = writer.filenames;
    expect(files.length).toBeGreaterThan(2); // rotation happened: warcinfo of every file must count
    const onDisk = files.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    expect(registry.total(METRICS.totalDataWritten.name)).toBe(onDisk);
    expect(registry.value(METRICS.recordsWritten.name, { type: 'response' })).toBe(30);
    expect(registry.value(METRICS.recordsWritten.name, { type: 'request' })).toBe(30);
    expect(registry.value(METRICS.recordsWritten.name, { type: 'warcinfo' })).toBe(files.length);
    expect(registry.total(METRICS.filesWritten.name)).toBe(files.length);
    expect(registry.value(METRICS.writerQueueDepth.name)).toBe(0);
    expect(registry.toPrometheus()).toContain(`total_data_written ${onDisk}`);
  });
});
