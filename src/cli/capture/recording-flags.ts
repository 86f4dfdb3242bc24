/**
 * The flags every recording command shares (`capture`, `record-proxy`): where
 * and how WARC files are written, upstream TLS, time and size limits, the
 * network, dedupe and a metrics port; and the client settings they make.
 */
import type { WarcClientSettings } from '../../client/settings';
import { isCompression, type DigestAlgorithm } from '../../backend/types';
import { isDigestAlgorithm } from '../../digest/label';
import { DEFAULT_CAPTURE_CLI, DEFAULT_CLIENT, DEFAULT_DIGEST_ALGORITHM, DEFAULT_TIMEOUTS, DEFAULT_WRITER } from '../../defaults';
import { UsageError } from '../args';
import { DEDUPE_HELP, DEDUPE_OPTIONS, dedupeFlags, type DedupeFlags } from './dedupe-flags';
import { metricsPort, seconds, size } from './flag-values';
import { dialerSettings, NETWORK_HELP, NETWORK_OPTIONS, type NetworkFlags } from './network-flags';
import { sizeText } from './size';

export const RECORDING_OPTIONS = {
  output: { type: 'string', short: 'o' },
  prefix: { type: 'string' },
  compression: { type: 'string' },
  level: { type: 'string' },
  digest: { type: 'string' },
  insecure: { type: 'boolean' },
  timeout: { type: 'string' },
  'response-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'max-file-size': { type: 'string' },
  'max-response-size': { type: 'string' },
  'metrics-port': { type: 'string' },
  ...NETWORK_OPTIONS,
  ...DEDUPE_OPTIONS,
} as const;

/** The help of RECORDING_OPTIONS, in three blocks, each ending in a newline. */
export const RECORDING_HELP = `Recording:
  -o, --output DIR        directory for the WARC files (default: ${DEFAULT_CAPTURE_CLI.outputDirectory})
      --prefix NAME       file name prefix (default: ${DEFAULT_WRITER.prefix})
      --compression C     gzip | zstd | none (default: ${DEFAULT_WRITER.compression})
      --level N           compression level (gzip 0-9, zstd 1-22; default: the
                          compressor's own)
      --digest ALG        sha1 | sha256 (default: ${DEFAULT_DIGEST_ALGORITHM})
      --insecure          do not verify the TLS certificates of web servers
                          (archive broken-cert sites)
      --timeout SECS      limit on a whole request, head to last body byte
                          (default: none)
      --response-timeout SECS  wait for the response head (default: ${DEFAULT_TIMEOUTS.responseHeaders / 1000})
      --idle-timeout SECS longest silence while reading a body (default: ${DEFAULT_TIMEOUTS.idleRead / 1000})
      --max-file-size SIZE     start a new WARC file before passing SIZE
                          (e.g. 500M, 1G; K/M/G/T are powers of 1024;
                          default ${sizeText(DEFAULT_WRITER.maxFileSize)})
      --max-response-size SIZE record at most SIZE of one response body (the
                          head is not counted); past it the record is marked
                          WARC-Truncated: length (default ${sizeText(DEFAULT_CLIENT.maxResponseBytes)})

${NETWORK_HELP}
Deduplication and metrics:
${DEDUPE_HELP}      --metrics-port N    serve Prometheus /metrics on 127.0.0.1:N while running
`;

type RecordingValues = NetworkFlags & {
  output?: string;
  prefix?: string;
  compression?: string;
  level?: string;
  digest?: string;
  insecure?: boolean;
  timeout?: string;
  'response-timeout'?: string;
  'idle-timeout'?: string;
  'max-file-size'?: string;
  'max-response-size'?: string;
  'metrics-port'?: string;
  dedupe?: string[];
  'dedupe-min-size'?: string;
};

/** What the recording flags ask for; the dedupe index and metrics registry are the command's to open. */
export interface RecordingFlags {
  output: string;
  digest: DigestAlgorithm;
  client: Omit<WarcClientSettings, 'dedupe' | 'metrics' | 'logger'>;
  dedupe: DedupeFlags;
  metricsPort: number | undefined;
}

/** Checks the recording flags; a bad value is a UsageError (exit 2). */
export function recordingFlags(values: RecordingValues): RecordingFlags {
  const compression = values.compression ?? DEFAULT_WRITER.compression;
  if (!isCompression(compression)) throw new UsageError(`--compression must be gzip, zstd or none`);
  // The range per compressor is the writer's to check (its message names --level through cliWording).
  const level = values.level === undefined ? undefined : Number(values.level);
  if (level !== undefined && (values.level!.trim() === '' || !Number.isInteger(level))) throw new UsageError(`--level must be an integer, got ${JSON.stringify(values.level)}`);
  const digest = values.digest ?? DEFAULT_DIGEST_ALGORITHM;
  if (!isDigestAlgorithm(digest)) throw new UsageError('--digest must be sha1 or sha256');
  const maxFileSize = size('--max-file-size', values['max-file-size']);
  const maxResponseBytes = size('--max-response-size', values['max-response-size']);
  const output = values.output ?? DEFAULT_CAPTURE_CLI.outputDirectory;
  return {
    output,
    digest,
    client: {
      writer: {
        directory: output,
        prefix: values.prefix ?? DEFAULT_WRITER.prefix,
        compression,
        ...(level !== undefined ? { level } : {}),
        ...(maxFileSize !== undefined ? { maxFileSize } : {}),
      },
      digestAlgorithm: digest,
      ...(values.insecure ? { tls: { verify: false } } : {}),
      ...(maxResponseBytes !== undefined ? { maxResponseBytes } : {}),
      timeouts: {
        ...seconds('--timeout', values.timeout, 'request'),
        ...seconds('--response-timeout', values['response-timeout'], 'responseHeaders'),
        ...seconds('--idle-timeout', values['idle-timeout'], 'idleRead'),
      },
      dialer: dialerSettings(values),
    },
    dedupe: dedupeFlags(values),
    metricsPort: metricsPort(values['metrics-port']),
  };
}
