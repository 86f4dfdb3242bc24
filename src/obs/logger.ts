/** Structured fields attached to a log line (pino-compatible shape: `logger.info({ fields }, 'msg')`). */
export type LogFields = Record<string, unknown>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The logging interface warcwire calls. A pino logger satisfies it as is.
 * warcwire is silent unless the caller passes a logger.
 */
export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
}

const noop = (): void => {};

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** A logger that may bind fields itself (pino's `child`). */
interface ChildCapable extends Logger {
  child(bindings: LogFields): Logger;
}

function hasChild(logger: Logger): logger is ChildCapable {
  return typeof (logger as Partial<ChildCapable>).child === 'function';
}

/**
 * A logger that adds `bindings` to every line, e.g. `childLogger(log, { component: 'dedupe' })`.
 * Uses the logger's own `child()` when it has one (pino), so its serialisers still apply;
 * fields given at the call site win over bound ones.
 */
export function childLogger(logger: Logger, bindings: LogFields): Logger {
  if (logger === silentLogger) return silentLogger;
  if (hasChild(logger)) return logger.child(bindings);
  const bind = (fields: LogFields): LogFields => ({ ...bindings, ...fields });
  return {
    debug: (fields, msg) => logger.debug(bind(fields), msg),
    info: (fields, msg) => logger.info(bind(fields), msg),
    warn: (fields, msg) => logger.warn(bind(fields), msg),
    error: (fields, msg) => logger.error(bind(fields), msg),
  };
}
