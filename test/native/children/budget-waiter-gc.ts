/**
 * Child of sink.test.ts: with a budget of one pool thread (UV_THREADPOOL_SIZE=3), sink A
 * streams a large record (holding the slot) while sink B's append waits for the budget, and
 * nothing but that append's promise refers to B. Garbage collection meanwhile must not drop
 * B with its queued record: the append still resolves. Prints how it settled.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadNativeBackend } from '../../../src/backend/native';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const backend = loadNativeBackend();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warcwire-test-gc-'));

/** Appends one small record to a sink nothing else will refer to. */
async function appendThroughUnreferencedSink(file: string, started: Promise<void>): Promise<{ append: Promise<unknown> }> {
  const sink = await backend.openRecordSink(file, { compression: 'gzip' });
  await started;
  // Wrapped: an async function returning the promise itself would wait for it.
  return { append: sink.append(Buffer.from('WARC/1.1\r\n\r\n'), Buffer.from('small')) };
}

async function main(): Promise<void> {
  const a = await backend.openRecordSink(path.join(dir, 'a.warc.gz'), { compression: 'gzip', level: 9 });
  let startA: () => void = () => undefined;
  const aStarted = new Promise<void>((resolve) => (startA = resolve));
  const bAppend = appendThroughUnreferencedSink(path.join(dir, 'b.warc.gz'), aStarted);
  const big = Buffer.alloc(40 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  // B is open before A takes the only slot; its append is made once A's streamed record runs.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const aAppend = a.append(Buffer.from('WARC/1.1\r\n\r\n'), big);
  startA();
  const waiting = (await bAppend).append;
  let settled = 'pending';
  waiting.then(
    () => (settled = 'resolved'),
    (err: unknown) => (settled = `rejected: ${String(err)}`),
  );
  for (let round = 0; round < 10; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await aAppend;
  await a.close();
  // A released the slot: B's compress job runs now if B is still there.
  for (let i = 0; i < 50 && settled === 'pending'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ settled }));
}

void main();
