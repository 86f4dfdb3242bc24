/**
 * The package entry exports exactly the chosen API: a new export (or a lost one) is a
 * deliberate change made here too. The type assertions at the bottom are checked by
 * `tsc --noEmit -p .` (ts-jest only transpiles).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as api from '../../src/index';
import * as crawleeApi from '../../src/crawlee';
import type { CheckedRecord, CheckOptions, IssueSink, ReadIssue, ReadRecord, ReadRecordType, WarcRecordType } from '../../src/index';

const RUNTIME_EXPORTS = [
  // errors
  'WarcwireError',
  'BackendError',
  'MetricsError',
  'WarcError',
  'HttpParseError',
  'NetError',
  'ProxyError',
  'DnsError',
  'DedupeError',
  'ClientError',
  'DiscardedError',
  'CaptureError',
  'ProxyServerError',
  'CertificateError',
  'RecordingProxyError',
  // backend
  'loadBackend',
  // obs
  'silentLogger',
  'jsonLogger',
  'PrometheusRegistry',
  'createMetricsRegistry',
  'PROMETHEUS_CONTENT_TYPE',
  'METRICS',
  'promClientRegistry',
  'createMetricsServer',
  // warc
  'WarcWriter',
  'newRecordId',
  'WARC_RECORD_TYPES',
  'WarcReader',
  'ReadRecord',
  'verifyRecord',
  'checkFile',
  'formatIssue',
  'indexFile',
  'surt',
  'planMend',
  'applyMend',
  'recompress',
  // net
  'Dialer',
  'ProxyPool',
  // dedupe
  'createDedupeIndex',
  'buildRevisitRecord',
  'buildNotModifiedRevisit',
  'isNotModifiedAnswer',
  'IDENTICAL_PAYLOAD_PROFILE',
  'SERVER_NOT_MODIFIED_PROFILE',
  // client
  'WarcClient',
  'WarcResponse',
  'CapturingDispatcher',
  'DEFAULT_USER_AGENT',
  'RETRY_ERROR_CODES',
  // proxy servers
  'createForwardProxy',
  'createFaultyProxy',
  // certificates
  'loadCertificateAuthority',
  'CertificateAuthority',
  'LeafIssuer',
  'defaultCaDirectory',
  // recording proxy
  'createRecordingProxy',
];

test('the entry exports exactly the public API, no internal helper', () => {
  expect(Object.keys(api).sort()).toEqual([...RUNTIME_EXPORTS].sort());
  for (const leaked of ['SmoothWeightedRoundRobin', 'Cooldown', 'logEvent', 'LOG_EVENTS', 'jsBackend', 'getBackend', 'RequestFramer', 'ResponseFramer', 'cdxjLine', 'dnsResourceRecord', 'NATIVE_UNAVAILABLE_WARNING', 'watchConfigFile', 'readConfigFile', 'reloadFromFile']) {
    expect(Object.keys(api)).not.toContain(leaked);
  }
});

test('every error class a library user can meet is exported and is a WarcwireError', () => {
  // Scan the library layers (not the CLI, whose errors end in an exit code) for error classes.
  const root = join(__dirname, '../../src');
  const declared: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (relative(root, path) !== 'cli') walk(path);
      } else if (entry.name.endsWith('.ts')) {
        // The Crawlee adapter's classes are exported by its own entry point, warcwire/crawlee.
        const entry = relative(root, path).startsWith('crawlee') ? 'crawlee' : 'main';
        for (const m of readFileSync(path, 'utf8').matchAll(/^export class (\w+) extends (\w+)/gm)) declared.push(`${m[1]} ${m[2]} ${entry}`);
      }
    }
  };
  walk(root);
  const errorNames = new Map([['WarcwireError', 'main']]);
  // Fixed point: subclasses of subclasses (DiscardedError extends ClientError).
  for (let grew = true; grew; ) {
    grew = false;
    for (const d of declared) {
      const [name, base, entry] = d.split(' ') as [string, string, string];
      if (errorNames.has(base) && !errorNames.has(name)) {
        errorNames.set(name, entry);
        grew = true;
      }
    }
  }
  expect(errorNames.size).toBeGreaterThan(10);
  for (const [name, entry] of errorNames) {
    const exported = (entry === 'crawlee' ? crawleeApi : api) as unknown as Record<string, unknown>;
    expect(`${name}: ${typeof exported[name]}`).toBe(`${name}: function`);
    const cls = exported[name] as abstract new (...args: never[]) => unknown;
    expect(cls === api.WarcwireError || cls.prototype instanceof api.WarcwireError).toBe(true);
  }
});

test('ReadRecord.type is the WARC type as read, typed as the known union or any string', () => {
  const known: ReadRecordType[] = [...api.WARC_RECORD_TYPES];
  const custom: ReadRecordType = 'x-custom';
  expect(known).toContain('revisit');
  expect(custom).toBe('x-custom');
});

// ---- compile-time assertions (tsc) ----
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// ReadRecord.type names the known WARC types instead of collapsing to `string`.
const typeIsNotPlainString: Equals<ReadRecord['type'], string> = false;
const knownTypesFit: WarcRecordType extends ReadRecord['type'] ? true : false = true;
const checkedTypeMatches: Equals<CheckedRecord['type'], ReadRecord['type']> = true;
const lengthIsOptional: Equals<ReadRecord['length'], number | undefined> = true;
const onRecordTakesChecked: Equals<Parameters<NonNullable<CheckOptions['onRecord']>>[0], CheckedRecord> = true;
const sinkTakesIssue: Equals<Parameters<IssueSink>[0], ReadIssue> = true;
void [typeIsNotPlainString, knownTypesFit, checkedTypeMatches, lengthIsOptional, onRecordTakesChecked, sinkTakesIssue];
