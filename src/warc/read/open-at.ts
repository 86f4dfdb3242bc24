/** Reads the one record that starts at a given offset of a file (seekable: one member per record, or plain). */
import { createReadStream, promises as fsp } from 'node:fs';
import type { Backend } from '../../backend/types';
import { defaultBackend } from '../backend';
import { DICTIONARY_FRAME_MAGIC, rawDictionary } from '../dictionary';
import { WarcError } from '../errors';
import { issueError } from './read-issues';
import { WarcReader, type ReadRecord } from './reader';

/** A zstd dictionary frame at the start of the file, decoded to the raw dictionary. */
export async function leadingDictionary(file: string, backend: Backend): Promise<Buffer | undefined> {
  const handle = await fsp.open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    if (bytesRead < 8 || head.readUInt32LE(0) !== DICTIONARY_FRAME_MAGIC) return undefined;
    const size = head.readUInt32LE(4);
    const payload = Buffer.alloc(size);
    const got = await handle.read(payload, 0, size, 8);
    if (got.bytesRead < size) throw new WarcError('ERR_WARC_DICTIONARY', 'zstd dictionary frame is truncated', { offset: 0 });
    return rawDictionary(backend, payload);
  } finally {
    await handle.close();
  }
}

/**
 * Calls `use` with the record at `offset`, then closes the file. Damage (an
 * error issue) throws, naming offsets in the file, not in the part read from `offset`.
 */
export async function withRecordAt<T>(file: string, offset: number, use: (record: ReadRecord) => Promise<T>): Promise<T> {
  const backend = await defaultBackend();
  const dictionary = await leadingDictionary(file, backend);
  const reader = new WarcReader(createReadStream(file, { start: offset }), {
    backend,
    ...(dictionary ? { dictionary } : {}),
    onIssue: (issue) => {
      if (issue.severity !== 'error') return;
      if (issue.offset === 0 && issue.kind === 'garbage') {
        throw new WarcError('ERR_WARC_PARSE', `no WARC record starts at offset ${offset} of ${file} (${issue.message})`, { offset });
      }
      throw issueError(issue, offset);
    },
  });
  for await (const record of reader) {
    return await use(record);
  }
  throw new WarcError('ERR_WARC_PARSE', `no WARC record at offset ${offset} of ${file}`, { offset });
}
