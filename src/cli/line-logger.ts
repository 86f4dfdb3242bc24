/** The long-running commands' log: one JSON object per line. */
import type { Logger, LogFields, LogLevel } from '../obs/logger';

const ORDER: LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Hands each line (newline included) at `min` or above to `print`. */
export function lineLogger(print: (line: string) => void, min: LogLevel): Logger {
  const at = (level: LogLevel) => (fields: LogFields, msg: string): void => {
    if (ORDER.indexOf(level) < ORDER.indexOf(min)) return;
    const extra = { ...fields };
    if (extra.err instanceof Error) extra.err = extra.err.message;
    print(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...extra })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
