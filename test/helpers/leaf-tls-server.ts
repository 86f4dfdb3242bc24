/**
 * A loopback server that terminates TLS with a LeafIssuer as the recording
 * proxy does after a CONNECT: the SNI name picks the leaf; a client that sends
 * none (an IP literal) gets the leaf of `fallbackHost()`, the CONNECT target.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { LeafIssuer } from '../../src/certs';

export interface LeafTlsServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** `onSecure` gets each socket once its handshake is done. */
export async function leafTlsServer(
  issuer: LeafIssuer,
  options: { host: string; fallbackHost: () => string; onSecure: (socket: TLSSocket) => void },
): Promise<LeafTlsServer> {
  const server = createServer((raw) => {
    raw.on('error', () => raw.destroy());
    void issuer.secureContext(options.fallbackHost()).then((secureContext) => {
      const socket = new TLSSocket(raw, {
        isServer: true,
        secureContext,
        SNICallback: (name, done) => issuer.secureContext(name).then((context) => done(null, context), (err: Error) => done(err)),
      });
      socket.on('error', () => socket.destroy());
      socket.on('secure', () => options.onSecure(socket));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, options.host, resolve));
  return { server, port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
