/** A Logger that keeps every line it is given, for tests that check what was logged. */
import type { LogFields, Logger } from '../../src/obs/logger';

export interface LoggedLine {
  level: string;
  fields: LogFields;
  msg: string;
}

export function recordingLogger(): { logger: Logger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (fields: LogFields, msg: string) => void lines.push({ level, fields, msg });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}
