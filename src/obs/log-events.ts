/**
 * The log events gowarc emits (seed 001, "Logging Event Hierarchy"), with their level
 * and the message text warcwire uses, so every module logs the same words:
 *
 *   logger[LOG_EVENTS.proxySelected.level]({ proxy, address }, LOG_EVENTS.proxySelected.msg);
 *
 * or simply `logEvent(logger, LOG_EVENTS.proxySelected, { proxy, address })`.
 */
import type { LogFields, LogLevel, Logger } from './logger';

export interface LogEvent {
  level: LogLevel;
  msg: string;
}

const ev = (level: LogLevel, msg: string): LogEvent => Object.freeze({ level, msg });

export const LOG_EVENTS = Object.freeze({
  // debug
  proxySelected: ev('debug', 'proxy selected'),
  dnsResolved: ev('debug', 'DNS resolved'),
  connectionEstablished: ev('debug', 'connection established'),
  tlsEstablished: ev('debug', 'TLS connection established'),
  recordWritten: ev('debug', 'WARC record written'),
  // info
  fileCreated: ev('info', 'WARC file created'),
  fileRotated: ev('info', 'WARC file rotation'),
  writerShutdown: ev('info', 'WARC writer shutdown'),
  // warn: a remote dedupe service failed; the full record is stored instead
  dedupeLookupFailed: ev('warn', 'dedupe lookup failed, storing full record'),
  // error
  dnsFailed: ev('error', 'DNS resolution failed'),
  proxyFailed: ev('error', 'proxy connection failed'),
  directFailed: ev('error', 'direct connection failed'),
  tlsFailed: ev('error', 'TLS handshake failed'),
  recordWriteFailed: ev('error', 'failed to write WARC record content'),
  discardHookRejected: ev('error', 'DiscardHook rejection'),
  digestFailed: ev('error', 'digest calculation failed'),
});

export function logEvent(logger: Logger, event: LogEvent, fields: LogFields = {}): void {
  logger[event.level](fields, event.msg);
}
