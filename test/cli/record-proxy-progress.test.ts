/**
 * The record-proxy's progress output: on a terminal one live line that other
 * lines go above; elsewhere a log line only when something changed.
 */
import { PassThrough } from 'node:stream';
import { reportProgress, type RecordingProgress } from '../../src/cli/record-proxy/progress';
import { StatusLine } from '../../src/cli/record-proxy/status-line';
import { lineLogger } from '../../src/cli/line-logger';

function sink(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

const at = (exchanges: number): RecordingProgress => ({ exchanges, bytes: exchanges * 2048, revisits: 0, failed: 0, leafCertificates: 1 });

test('a line printed while the live line shows goes above it, and the live line is drawn again', () => {
  const out = sink();
  const status = new StatusLine(out.stream);
  status.print('before\n');
  status.show('3 exchanges');
  status.print('a log line\n');
  status.show('4 exchanges');
  status.end();
  status.print('after\n');
  expect(out.text()).toBe('before\n' + '\r\x1b[K3 exchanges' + '\r\x1b[Ka log line\n3 exchanges' + '\r\x1b[K4 exchanges' + '\r\x1b[K' + 'after\n');
});

test('off a terminal: one log line per change, none while nothing changes', async () => {
  const lines: string[] = [];
  let current = at(0);
  const stop = reportProgress(() => current, { logger: lineLogger((l) => lines.push(l), 'info'), intervalMs: 40 });
  try {
    await new Promise((r) => setTimeout(r, 150));
    expect(lines).toEqual([]);
    current = at(5);
    await new Promise((r) => setTimeout(r, 150));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', exchanges: 5, bytes: 10240, leafCertificates: 1 });
    expect(entry.msg).toMatch(/^record-proxy: 5 exchanges \([\d.]+\/s\), 10\.0 KiB of bodies relayed, 0 revisits, 0 failed, 1 leaf certificates$/);
    expect(entry.perSecond as number).toBeGreaterThan(0);
  } finally {
    stop();
  }
});

test('on a terminal: the live line is drawn at once with the counts', () => {
  const out = sink();
  const status = new StatusLine(out.stream);
  const stop = reportProgress(() => at(2), { terminal: status });
  stop();
  status.end();
  expect(out.text()).toMatch(/^\r\x1b\[K2 exchanges \(0\.0\/s\), 4\.0 KiB of bodies relayed, 0 revisits, 0 failed, 1 leaf certificates\r\x1b\[K$/);
});
