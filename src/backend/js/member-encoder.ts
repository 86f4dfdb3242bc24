import { bytesArgument, optionsArgument } from '../arguments';
import { BackendError } from '../errors';
import type { MemberEncoder, MemberEncoderOptions } from '../types';
import { compressMember, resolveMemberCompression, type MemberCompression } from './compression';

/**
 * One gzip member or zstd frame per encode() call, compressed on libuv's
 * thread pool within the process's thread budget (thread-budget.ts). node:zlib offers no way to reset a deflate stream between
 * async members, so each call gets a fresh zlib context (the addon reuses one).
 */
export class JsMemberEncoder implements MemberEncoder {
  private readonly settings: MemberCompression;
  private closed = false;

  constructor(options: MemberEncoderOptions) {
    this.settings = resolveMemberCompression(optionsArgument(options, 'MemberEncoder'));
  }

  async encode(parts: readonly Uint8Array[]): Promise<Buffer> {
    if (this.closed) throw new BackendError('ERR_INVALID_OPTION', 'MemberEncoder.encode() called after close()');
    if (!Array.isArray(parts)) throw new BackendError('ERR_INVALID_ARG', 'encode() takes an array of Uint8Array');
    // Each part copied as it is read: a buffer transferred while zlib works on it (or by the
    // next element's getter) would be freed under it.
    const copies = parts.map((part: unknown) => Buffer.from(bytesArgument(part, 'each encode() part')));
    const input = copies.length === 1 ? copies[0]! : Buffer.concat(copies);
    return compressMember(this.settings, input);
  }

  close(): void {
    this.closed = true;
  }
}
