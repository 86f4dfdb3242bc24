import type { OnReadOpts, Socket } from 'node:net';

/**
 * A plain socket reads into a freshly allocated 64 KiB buffer per read; on a
 * bulk tunnel that allocation churn (fresh pages from malloc, then GC) was
 * about a third of the proxy's CPU per GB on loopback. Relayed sockets read
 * into recycled 256 KiB blocks instead (also fewer, larger reads):
 * - a socket that just read a lot reads next straight into a block of its own,
 *   which is written on as is and recycled once the kernel has taken it;
 * - any other read lands in one buffer shared by all relayed sockets and is
 *   copied out into a block before the event loop can run another read. So an
 *   idle tunnel pins no block, and blocks owned by sockets are capped overall.
 */
const BLOCK_BYTES = 256 * 1024;
/** Blocks one relay may have queued on its destination before it stops reading (bounds a slow reader's cost). */
const MAX_IN_FLIGHT = 4;
/** Recycled blocks kept for reuse across all relays; more are left to the GC. */
const MAX_SPARE = 32;
/** Blocks handed to sockets to read into, over all relays (an idle bulk tunnel keeps one). */
const MAX_OWNED = 64;
/** A read at least this big suggests a bulk transfer: read the next one into an own block. */
const BULK_READ = 32 * 1024;

const shared = Buffer.allocUnsafe(BLOCK_BYTES);
const spare: Buffer[] = [];
let owned = 0;

function takeBlock(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafe(BLOCK_BYTES);
}

function giveBack(block: Buffer): void {
  if (spare.length < MAX_SPARE) spare.push(block);
}

/**
 * One direction of a tunnel read through `onread`: pass `onread` when
 * creating the source socket (created paused), then `attach` the destination.
 * Backpressure: at most MAX_IN_FLIGHT blocks are queued on the destination;
 * beyond that the source stops reading until the destination catches up.
 */
export class BlockRelay {
  readonly onread: OnReadOpts;
  private source?: Socket;
  private destination?: Socket;
  private count: (bytes: number) => void = () => undefined;
  private inFlight = 0;
  private stalled = false;
  /** The own block the socket will read into next, if any. */
  private next: Buffer | undefined;
  private lastRead = 0;

  constructor() {
    // Node asks for the buffer of the next read once at start and after every callback.
    this.onread = { buffer: () => this.nextBuffer(), callback: (bytes, buffer) => this.forward(bytes, buffer as Buffer) };
  }

  private nextBuffer(): Buffer {
    if (this.next) return this.next;
    if (this.lastRead < BULK_READ || owned >= MAX_OWNED) return shared;
    owned += 1;
    this.next = takeBlock();
    return this.next;
  }

  /** Starts forwarding what `source` reads to `destination`, reporting each piece to `count`. */
  attach(source: Socket, destination: Socket, count: (bytes: number) => void): void {
    this.source = source;
    this.destination = destination;
    this.count = count;
    source.once('end', () => destination.end());
    // A block the socket was to read into next goes back when it closes.
    source.once('close', () => {
      if (!this.next) return;
      owned -= 1;
      giveBack(this.next);
      this.next = undefined;
    });
    source.resume();
  }

  private forward(bytes: number, buffer: Buffer): boolean {
    const destination = this.destination;
    // Created paused and resumed by attach(): a read before it cannot happen.
    if (!destination) {
      this.source?.destroy();
      return false;
    }
    this.count(bytes);
    this.lastRead = bytes;
    let block: Buffer;
    if (buffer === this.next) {
      // Read into our own block: it is written as is; the next read gets another.
      block = buffer;
      this.next = undefined;
      owned -= 1;
    } else {
      block = takeBlock();
      shared.copy(block, 0, 0, bytes);
    }
    this.inFlight += 1;
    destination.write(block.subarray(0, bytes), () => {
      this.inFlight -= 1;
      giveBack(block);
      if (this.stalled && this.inFlight < MAX_IN_FLIGHT) {
        this.stalled = false;
        this.source?.resume();
      }
    });
    if (this.inFlight < MAX_IN_FLIGHT) return true;
    this.stalled = true;
    return false;
  }
}
