/**
 * The HTTP target: a raw TCP server on loopback answers each request with one
 * input's exact bytes, a WarcClient fetches it. Each outcome must be a
 * response or a typed error; at the end the WARC file must read back cleanly
 * and every response record's block must equal the bytes the server sent on
 * that connection; a prefix only when the record says WARC-Truncated, or when
 * the block ends where the response's own framing ends (surplus bytes after a
 * complete message are not part of it).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkFile, WarcClient, WarcReader } from '../src/index';
import { decodeHttpInput, type HttpInput } from './http-input';
import { describe, step, type Failure } from './outcome';

interface Served {
  /** Bytes written, per connection that asked for this input. */
  connections: Buffer[][];
}

/** The raw server: `/fuzz/<index>` gets input <index>, sliced as it says, then FIN or RST. */
async function startServer(inputs: Map<number, HttpInput>, served: Map<number, Served>): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const index = Number(/^[A-Z]+ \/fuzz\/(\d+)/.exec(head)?.[1] ?? -1);
      const input = inputs.get(index);
      if (!input) return void socket.destroy();
      const sent: Buffer[] = [];
      const entry = served.get(index) ?? { connections: [] };
      entry.connections.push(sent);
      served.set(index, entry);
      let at = 0;
      for (const size of [...input.writes, input.bytes.length]) {
        const piece = input.bytes.subarray(at, Math.min(input.bytes.length, at + size));
        at += piece.length;
        if (piece.length === 0) continue;
        sent.push(piece);
        socket.write(piece);
      }
      if (input.close === 'reset') socket.resetAndDestroy();
      else socket.end();
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A WARC record parsed from one decompressed gzip member, without our reader: fields and block. */
function parseMember(member: Buffer): { fields: Map<string, string>; block: Buffer } {
  const end = member.indexOf('\r\n\r\n');
  const fields = new Map<string, string>();
  for (const line of member.toString('latin1', 0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const length = Number(fields.get('content-length'));
  return { fields, block: member.subarray(end + 4, end + 4 + length) };
}

function isPrefix(block: Buffer, of: Buffer): boolean {
  return block.length <= of.length && of.subarray(0, block.length).equals(block);
}

/**
 * Whether `block` ends exactly where its final response's own framing says
 * (after any 1xx heads, and empty lines before a status line): nothing after
 * a 204 or 304 head, else Content-Length bytes of body, or a chunked body's
 * last chunk. Bytes a server sends past that are not part of the response.
 */
function endsAtFraming(block: Buffer): boolean {
  const text = block.toString('latin1');
  const headEnd = /\r?\n\r?\n/g; // bare LF heads count: clients accept them
  for (let at = 0; ; ) {
    // Empty lines before a status line belong to that head (RFC 9112 2.2; the capture's framer agrees).
    at += /^[\r\n]*/.exec(text.slice(at))![0].length;
    headEnd.lastIndex = at;
    const end = headEnd.exec(text);
    if (!end) return false;
    const head = text.slice(at, end.index);
    at = end.index + end[0].length;
    if (/^HTTP\/1\.[01] 1\d\d/.test(head)) continue;
    // 204 and 304 end with their head, whatever length or coding they announce.
    if (/^HTTP\/1\.[01] (204|304)/.test(head)) return block.length === at;
    const fields = head.split(/\r?\n/).slice(1);
    const values = (name: string): string[] => fields.filter((f) => f.toLowerCase().startsWith(`${name}:`)).flatMap((f) => f.slice(name.length + 1).split(',').map((v) => v.trim()));
    if (values('transfer-encoding').includes('chunked')) return /(^|\n)0\r?\n(.*\r?\n)*\r?\n$/.test(text.slice(at));
    // Every Content-Length value, list members included (`5, 5`), must agree.
    const lengths = values('content-length');
    const length = Number(lengths[0]);
    return lengths.length > 0 && lengths.every((v) => /^\d+$/.test(v) && Number(v) === length) && block.length === at + length;
  }
}

export interface HttpBatch {
  /** Runs one input; resolves with a failure or undefined. */
  run(index: number, file: string, onStep: (name: string) => void, codes: string[]): Promise<Failure | undefined>;
  /** Closes the client, reads the WARC files back; failures found there, by input. */
  finish(): Promise<Array<{ index: number; failure: Failure }>>;
}

export async function startHttpBatch(): Promise<HttpBatch> {
  const inputs = new Map<number, HttpInput>();
  const served = new Map<number, Served>();
  const server = await startServer(inputs, served);
  const dir = mkdtempSync(join(tmpdir(), 'warcwire-fuzz-http-'));
  const client = await WarcClient.create({
    writer: { directory: dir, prefix: 'FUZZ', compression: 'gzip' },
    followRedirects: false,
    timeouts: { responseHeaders: 3000, idleRead: 3000 },
  });
  const ran: number[] = [];
  return {
    async run(index, file, onStep, codes) {
      inputs.set(index, decodeHttpInput(readFileSync(file)));
      ran.push(index);
      let res: Awaited<ReturnType<WarcClient['fetch']>> | undefined;
      onStep('fetch');
      const fetched = await step('fetch', codes, async () => {
        res = await client.fetch(`${server.url}/fuzz/${index}`, { followRedirects: false });
      });
      if (fetched || !res) return fetched;
      const response = res;
      onStep('body');
      const body = await step('body', codes, async () => {
        await response.bytes();
      });
      if (body) return body;
      onStep('written');
      return step('written', codes, async () => {
        await response.written;
      });
    },
    async finish() {
      const failures: Array<{ index: number; failure: Failure }> = [];
      const last = ran[ran.length - 1] ?? -1;
      try {
        await client.close();
        await server.close();
        for (const name of readdirSync(dir).sort()) {
          const path = join(dir, name);
          const bytes = readFileSync(path);
          const owner = new Map<number, number>(); // record offset -> input
          try {
            for await (const record of new WarcReader(path, { strict: true })) {
              await record.finish();
              const index = Number(/\/fuzz\/(\d+)$/.exec(record.targetUri ?? '')?.[1] ?? -1);
              owner.set(record.offset, index);
              if (record.type !== 'response') continue;
              const { fields, block } = parseMember(gunzipSync(bytes.subarray(record.offset, record.offset + (record.length ?? 0))));
              const connections = (served.get(index)?.connections ?? []).map((c) => Buffer.concat(c));
              const truncated = fields.has('warc-truncated');
              if (!connections.some((sent) => sent.equals(block) || (isPrefix(block, sent) && (truncated || endsAtFraming(block))))) {
                const sizes = connections.map((c) => c.length).join(', ');
                failures.push({ index, failure: { kind: 'mismatch', step: 'record', detail: `response block of ${block.length} bytes${truncated ? ' (truncated)' : ''} is not what the server sent (${sizes || 'no connection'} bytes)` } });
              }
            }
          } catch (err) {
            failures.push({ index: last, failure: { kind: 'unreadable', step: 'readback', detail: describe(err) } });
          }
          const report = await checkFile(path, { keepRecords: false });
          for (const issue of report.errors) {
            let index = last;
            for (const [offset, i] of owner) if (offset <= issue.offset) index = i;
            failures.push({ index, failure: { kind: 'unreadable', step: 'check', detail: `offset ${issue.offset} ${issue.kind}: ${issue.message}` } });
          }
        }
      } catch (err) {
        failures.push({ index: last, failure: { kind: 'untyped', step: 'close', detail: describe(err) } });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return failures;
    },
  };
}
