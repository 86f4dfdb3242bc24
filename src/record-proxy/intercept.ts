import type { Socket } from 'node:net';
import tls from 'node:tls';

/** What the tunnel needs of the leaf issuer (src/certs LeafIssuer). */
export interface CertificateSource {
  secureContext(host: string): Promise<tls.SecureContext>;
}

/** The first byte of a TLS handshake record. */
const TLS_HANDSHAKE = 0x16;

export interface InterceptOptions {
  /** The CONNECT host (name or IP literal, no brackets): the one name the leaf shown carries, whatever the SNI. */
  host: string;
  certificates: CertificateSource;
  /** A browser that sends nothing for this long after the 200, or then does not finish its TLS handshake in this time, is dropped. */
  handshakeTimeoutMs: number;
  /** The tunnel carries HTTP now: plain (`http`) or inside our TLS (`https`, the TLS socket). */
  ready(socket: Socket, scheme: 'http' | 'https'): void;
  /** The browser's TLS handshake failed (it does not trust our CA, or spoke something else). */
  failed(error: Error): void;
}

/**
 * Decides what an established tunnel carries by its first byte: a TLS
 * handshake is terminated here with a leaf certificate for the CONNECT host,
 * offering ALPN http/1.1 only; anything else is taken as plain HTTP. The SNI
 * does not choose the leaf: the requests go to the CONNECT host, and a leaf
 * for another name would vouch for a site the browser is not talking to. `rest`: bytes that
 * came with the CONNECT head. The socket is paused on entry.
 */
export function interceptTunnel(socket: Socket, rest: Buffer, options: InterceptOptions): void {
  // The socket is no HTTP connection yet, so no idle timeout covers it: a browser silent after the 200 would keep its client slot.
  const silent = setTimeout(() => {
    options.failed(new Error(`nothing came through the tunnel within ${options.handshakeTimeoutMs} ms of the 200`));
    socket.destroy();
  }, options.handshakeTimeoutMs);
  socket.once('close', () => clearTimeout(silent));
  const decide = (first: Buffer): void => {
    clearTimeout(silent);
    socket.pause();
    socket.unshift(first);
    if (first[0] === TLS_HANDSHAKE) terminateTls(socket, options);
    else options.ready(socket, 'http');
  };
  if (rest.length > 0) return decide(rest);
  socket.once('data', decide);
  socket.resume();
}

function terminateTls(socket: Socket, options: InterceptOptions): void {
  const { host, certificates } = options;
  const fail = (error: Error): void => {
    options.failed(error);
    socket.destroy();
  };
  certificates.secureContext(host).then((context) => {
    if (socket.destroyed) return;
    const secure = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: context,
      ALPNProtocols: ['http/1.1'],
    });
    let established = false;
    const timer = setTimeout(() => secure.destroy(new Error(`no TLS handshake within ${options.handshakeTimeoutMs} ms`)), options.handshakeTimeoutMs);
    secure.once('secure', () => {
      established = true;
      clearTimeout(timer);
      options.ready(secure, 'https');
    });
    secure.on('error', (error: Error) => {
      if (established) return; // the HTTP server has its own handler from here on
      clearTimeout(timer);
      fail(error);
      secure.destroy();
    });
    // A browser that rejects our certificate may just close: with TLS 1.3 the handshake is not over for us until its Finished.
    secure.once('end', () => {
      if (!established) secure.destroy(new Error('the browser closed the connection during the TLS handshake (does it trust the CA?)'));
    });
    secure.once('close', () => {
      clearTimeout(timer);
      socket.destroy();
    });
  }, fail);
}
