import * as net from 'node:net';

/** A TCP server that reads and never answers: a proxy hanging in its handshake. */
export interface SilentServer {
  url: string;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections the client closed (their end arrived). */
  closedByClient(): number;
  close(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const held: net.Socket[] = [];
  let ended = 0;
  const server = net.createServer((socket) => {
    held.push(socket);
    socket.resume();
    socket.on('end', () => ended++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    accepted: () => held.length,
    closedByClient: () => ended,
    close: async () => {
      for (const s of held) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** How long `p` took to settle, and what it failed with (undefined when it resolved). */
export async function settleTime(p: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  const error = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  return { ms: Date.now() - started, error };
}
