import { randomInt } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';

/** A DNS server address. */
export interface DnsServer {
  host: string;
  port: number;
}

export type QueryType = 'A' | 'AAAA';

export interface DnsReply {
  rcode: string;
  answers: dnsPacket.Answer[];
  authorities: dnsPacket.Answer[];
  /** Whether the answer came over TCP after a truncated UDP reply. */
  tcp: boolean;
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

/** Why a single query produced no reply; the resolver then tries another server. */
export class DnsTransportError extends Error {
  constructor(
    readonly reason: 'timeout' | 'aborted' | 'network' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

/** Parses 'host', 'host:port', '[v6]:port' or a bare IPv6 literal. */
export function parseServer(spec: string): DnsServer {
  const text = spec.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : 53 };
  if (net.isIPv6(text)) return { host: text, port: 53 };
  const colon = text.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(text.slice(colon + 1))) return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
  return { host: text, port: 53 };
}

/**
 * One question to one server: UDP first, then TCP when the reply is
 * truncated. Replies whose id or question does not match are ignored (they
 * are late answers to someone else or spoofing attempts).
 */
export async function queryServer(
  server: DnsServer,
  name: string,
  type: QueryType,
  timeout: number,
  signal: AbortSignal,
): Promise<DnsReply> {
  const id = randomInt(0, 65536);
  const query = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
  });
  const udp = await exchange(server, query, timeout, signal, false);
  const first = checkReply(udp, id, name, type);
  if (!first.flag_tc) return toReply(first, false);
  const tcp = await exchange(server, query, timeout, signal, true);
  return toReply(checkReply(tcp, id, name, type), true);
}

function toReply(packet: dnsPacket.DecodedPacket, tcp: boolean): DnsReply {
  return {
    rcode: RCODES[(packet.flags ?? 0) & 0xf] ?? `RCODE${(packet.flags ?? 0) & 0xf}`,
    answers: packet.answers ?? [],
    authorities: packet.authorities ?? [],
    tcp,
  };
}

/** Undefined when the packet is not the reply to our question. */
function matches(packet: dnsPacket.DecodedPacket, id: number, name: string, type: QueryType): boolean {
  const question = packet.questions?.[0];
  return (
    packet.id === id &&
    packet.flag_qr &&
    question !== undefined &&
    question.type === type &&
    question.name.toLowerCase().replace(/\.$/, '') === name.toLowerCase().replace(/\.$/, '')
  );
}

function checkReply(packet: dnsPacket.DecodedPacket | undefined, id: number, name: string, type: QueryType): dnsPacket.DecodedPacket {
  if (!packet || !matches(packet, id, name, type)) throw new DnsTransportError('malformed', 'reply does not match the question');
  return packet;
}

function exchange(
  server: DnsServer,
  query: Buffer,
  timeout: number,
  signal: AbortSignal,
  overTcp: boolean,
): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    let done = false;
    let cleanup = (): void => {};
    const finish = (error: Error | undefined, packet?: dnsPacket.DecodedPacket): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      cleanup();
      if (packet) resolve(packet);
      else reject(error);
    };
    const onAbort = (): void => finish(new DnsTransportError('aborted', 'query aborted'));
    const timer = setTimeout(() => finish(new DnsTransportError('timeout', `no reply from ${server.host}:${server.port} in ${timeout} ms`)), timeout);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });

    if (!overTcp) {
      const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
      cleanup = () => socket.close();
      socket.on('error', (error) => finish(new DnsTransportError('network', error.message)));
      socket.on('message', (message) => {
        const packet = tryDecode(message);
        // A stray datagram is not the end of the query: keep waiting until timeout.
        if (packet && packet.id === query.readUInt16BE(0)) finish(undefined, packet);
      });
      socket.send(query, server.port, server.host, (error) => {
        if (error) finish(new DnsTransportError('network', error.message));
      });
      return;
    }

    const socket = net.connect({ host: server.host, port: server.port });
    cleanup = () => socket.destroy();
    let buffered = Buffer.alloc(0);
    socket.on('error', (error) => finish(new DnsTransportError('network', error.message)));
    socket.on('close', () => finish(new DnsTransportError('network', 'TCP connection closed before the reply')));
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const length = buffered.readUInt16BE(0);
      if (buffered.length < 2 + length) return;
      const packet = tryDecode(buffered.subarray(2, 2 + length));
      finish(packet ? undefined : new DnsTransportError('malformed', 'undecodable TCP reply'), packet);
    });
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(query.length);
    socket.write(Buffer.concat([prefix, query]));
  });
}

function tryDecode(message: Buffer): dnsPacket.DecodedPacket | undefined {
  try {
    return dnsPacket.decode(message);
  } catch {
    return undefined;
  }
}
