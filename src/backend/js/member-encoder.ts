import { BackendError } from '../errors';
import type { MemberEncoder, MemberEncoderOptions } from '../types';
import { compressMember, resolveMemberCompression, type MemberCompression } from './compression';

/**
 * One gzip member or zstd frame per encode() call, compressed on libuv's
 * thread pool. node:zlib offers no way to reset a deflate stream between
 * async members, so each call gets a fresh zlib context (the addon reuses one).
 */
export class JsMemberEncoder implements MemberEncoder {
  private readonly settings: MemberCompression;
  private closed = false;

  constructor(options: MemberEncoderOptions) {
    this.settings = resolveMemberCompression(options);
  }

  async encode(parts: readonly Uint8Array[]): Promise<Buffer> {
    if (this.closed) throw new BackendError('ERR_INVALID_OPTION', 'MemberEncoder.encode() called after close()');
    const input = parts.length === 1 ? Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength) : Buffer.concat(parts);
    return compressMember(this.settings, input);
  }

  close(): void {
    this.closed = true;
  }
}
