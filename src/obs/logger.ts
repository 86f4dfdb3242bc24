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
