/**
 * A minimal JSON-lines Logger (one object per line, pino-like keys: level, time, msg)
 * for the CLI and for callers who want logs without bringing pino.
 */
import type { LogFields, LogLevel, Logger } from './logger';

const RANK: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface JsonLoggerOptions {
  /** Lowest level written; default 'info'. */
  level?: LogLevel;
  /** Clock, for tests. */
  now?: () => Date;
}

export function jsonLogger(out: { write(line: string): unknown }, options: JsonLoggerOptions = {}): Logger {
  const min = RANK[options.level ?? 'info'];
  const now = options.now ?? (() => new Date());
  const line = (level: LogLevel) => (fields: LogFields, msg: string): void => {
    if (RANK[level] < min) return;
    const record: LogFields = { level: RANK[level], time: now().toISOString(), msg };
    for (const [k, v] of Object.entries(fields)) {
      if (k in record) continue; // level/time/msg are ours
      record[k] = v instanceof Error ? { type: v.name, message: v.message, code: (v as { code?: unknown }).code } : v;
    }
    out.write(safeStringify(record) + '\n');
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/** JSON.stringify that survives bigint and cycles instead of throwing inside a log call. */
function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[Circular]';
      seen.add(v);
    }
    return v;
  });
}
