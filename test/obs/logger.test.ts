import { jsonLogger } from '../../src/obs/json-logger';
import { LOG_EVENTS, logEvent } from '../../src/obs/log-events';
import { childLogger, silentLogger, type LogFields, type Logger } from '../../src/obs/logger';

function recording(): { logger: Logger; lines: [string, LogFields, string][] } {
  const lines: [string, LogFields, string][] = [];
  const at = (level: string) => (fields: LogFields, msg: string) => lines.push([level, fields, msg]);
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

describe('childLogger', () => {
  it('binds fields to every line; call-site fields win', () => {
    const { logger, lines } = recording();
    const child = childLogger(childLogger(logger, { component: 'dedupe', a: 1 }), { source: 'cdx' });
    child.warn({ a: 2, url: 'http://x/' }, 'lookup failed');
    child.debug({}, 'hello');
    expect(lines).toEqual([
      ['warn', { component: 'dedupe', a: 2, source: 'cdx', url: 'http://x/' }, 'lookup failed'],
      ['debug', { component: 'dedupe', a: 1, source: 'cdx' }, 'hello'],
    ]);
  });

  it("uses the logger's own child() when it has one (pino)", () => {
    const { logger, lines } = recording();
    const bound: LogFields[] = [];
    const pinoLike = { ...logger, child: (b: LogFields) => (bound.push(b), logger) };
    childLogger(pinoLike, { component: 'x' }).info({ k: 1 }, 'm');
    expect(bound).toEqual([{ component: 'x' }]);
    expect(lines).toEqual([['info', { k: 1 }, 'm']]);
  });

  it('stays silent for the silent logger', () => {
    expect(childLogger(silentLogger, { a: 1 })).toBe(silentLogger);
  });
});

describe('jsonLogger', () => {
  it('writes one JSON object per line at or above its level, pino keys, errors summarised', () => {
    const out: string[] = [];
    const log = jsonLogger({ write: (l: string) => out.push(l) }, { level: 'info', now: () => new Date('2026-01-02T03:04:05.678Z') });
    const cyclic: Record<string, unknown> = { n: 1n };
    cyclic.self = cyclic;
    log.debug({ x: 1 }, 'hidden');
    logEvent(log, LOG_EVENTS.fileCreated, { file: 'a.warc.gz' });
    logEvent(log, LOG_EVENTS.proxyFailed, { proxy: 'p', error: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), c: cyclic, msg: 'ignored' });
    expect(out).toHaveLength(2);
    expect(out.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(JSON.parse(out[0]!)).toEqual({ level: 30, time: '2026-01-02T03:04:05.678Z', msg: 'WARC file created', file: 'a.warc.gz' });
    expect(JSON.parse(out[1]!)).toEqual({
      level: 50,
      time: '2026-01-02T03:04:05.678Z',
      msg: 'proxy connection failed',
      proxy: 'p',
      error: { type: 'Error', message: 'refused', code: 'ECONNREFUSED' },
      c: { n: '1', self: '[Circular]' },
    });
  });
});
