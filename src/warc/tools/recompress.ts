/**
 * Rewrites a WARC file record by record, one member/frame per record, in the
 * compression OUT's extension names. Headers and blocks are kept byte for
 * byte; blocks pass through a Spool, so no record is held whole in memory.
 */
import { promises as fsp, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { Backend, Compression } from '../../backend/types';
import { defaultBackend } from '../backend';
import { dictionaryPreamble } from '../dictionary';
import { WarcError } from '../errors';
import { WarcReader } from '../read/reader';

export interface RecompressOptions {
  compression?: Compression;
  level?: number;
  /** Raw zstd dictionary for a `.zst` output (its frame goes first). */
  dictionary?: Uint8Array;
  /** Raw zstd dictionary needed to read the input, when it has no dictionary frame. */
  inputDictionary?: Uint8Array;
  /** Replace OUT if it exists (default: refuse). */
  force?: boolean;
  /** Skip damaged records instead of failing (default: fail). */
  tolerant?: boolean;
  backend?: Backend;
}

export function compressionForName(name: string): Compression {
  if (/\.gz$/i.test(name)) return 'gzip';
  if (/\.zst$/i.test(name)) return 'zstd';
  return 'none';
}

const IN_FLIGHT = 8;

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/**
 * OUT is replaced by a rename, which would put a regular file in place of a
 * FIFO or a device (`/dev/stdout`): only a missing OUT, or a file with
 * `force`, is written.
 */
async function checkOutput(output: string, force: boolean): Promise<void> {
  const stats = await fsp.stat(output).catch(() => undefined);
  if (stats === undefined) return;
  if (!stats.isFile()) {
    throw new WarcError('ERR_WARC_OUTPUT', `${output} is ${kindOf(stats)}, not a file: OUT must be a file path (recompress writes a new file and renames it onto OUT)`);
  }
  if (!force) throw new WarcError('ERR_WARC_OUTPUT', `${output} exists (use --force to replace it)`);
}

/** Reserves the file written beside OUT, then renamed onto it. */
async function createTemp(output: string): Promise<string> {
  const temp = `${output}.tmp-${process.pid}`;
  try {
    await (await fsp.open(temp, 'wx')).close();
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `its directory ${dirname(output)} does not exist` : (err as Error).message;
    throw new WarcError('ERR_WARC_OUTPUT', `cannot write ${output}: ${why}`, { cause: err });
  }
  return temp;
}

export async function recompress(input: string, output: string, options: RecompressOptions = {}): Promise<{ records: number }> {
  const backend = options.backend ?? (await defaultBackend());
  const compression = options.compression ?? compressionForName(output);
  await checkOutput(output, options.force ?? false);
  const temp = await createTemp(output);
  const preamble = options.dictionary && compression === 'zstd' ? await dictionaryPreamble(backend, options.dictionary) : undefined;
  let records = 0;
  try {
    const sink = await backend.openRecordSink(temp, {
      compression,
      ...(options.level !== undefined ? { level: options.level } : {}),
      ...(options.dictionary && compression === 'zstd' ? { dictionary: options.dictionary } : {}),
      ...(preamble ? { preamble } : {}),
    });
    const inFlight: Array<Promise<unknown>> = [];
    try {
      const reader = new WarcReader(input, {
        strict: !options.tolerant,
        backend,
        ...(options.inputDictionary ? { dictionary: options.inputDictionary } : {}),
      });
      for await (const record of reader) {
        const head = Buffer.from(`${record.version}\r\n${record.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'utf8');
        const spool = backend.createSpool();
        try {
          for await (const chunk of record.block()) spool.append(chunk);
          await record.finish();
        } catch (err) {
          spool.close();
          throw err;
        }
        if (!record.complete || record.issues.some((i) => i.severity === 'error')) {
          spool.close();
          continue;
        }
        const appended = sink.append(head, spool).finally(() => spool.close());
        appended.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled meanwhile
        inFlight.push(appended);
        records++;
        if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
      }
      await Promise.all(inFlight);
    } finally {
      await Promise.allSettled(inFlight);
      await sink.close();
    }
    await fsp.rename(temp, output);
  } catch (err) {
    await fsp.rm(temp, { force: true });
    throw err;
  }
  return { records };
}
