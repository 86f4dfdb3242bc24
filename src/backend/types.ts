/**
 * The backend seam: the hot-path primitives of a WARC writer, implemented
 * twice — by the native addon (`native.ts`) and in plain Node (`js/`).
 * Both must produce byte-identical uncompressed output and identical digests.
 */
import type { DigestAlgorithm, DigestEncoding } from '../digest/label';

export type { DigestAlgorithm, DigestEncoding };

export type BackendName = 'native' | 'js';

export const COMPRESSIONS = ['gzip', 'zstd', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export function isCompression(value: unknown): value is Compression {
  return (COMPRESSIONS as readonly unknown[]).includes(value);
}

/** Incremental hash producing WARC digest labels such as `sha1:3I42H3S6...`. */
export interface Digest {
  readonly algorithm: DigestAlgorithm;
  update(chunk: Uint8Array): void;
  /** Finishes the hash; the object must not be updated afterwards. */
  digest(): Buffer;
  /** Finishes the hash and returns `<algorithm>:<encoded>`. */
  label(encoding?: DigestEncoding): string;
}

export interface MemberEncoderOptions {
  compression: 'gzip' | 'zstd';
  /** gzip: 0-9 (default 6); zstd: 1-22 (default 3). */
  level?: number;
  /** Raw zstd dictionary (zstd only). */
  dictionary?: Uint8Array;
}

/**
 * Encodes one gzip member or one zstd frame per call, reusing compressor
 * state between calls. zstd frames always carry content size and checksum.
 * Work runs off the main thread (native) or on libuv's pool (js).
 */
export interface MemberEncoder {
  /** The concatenation of `parts` as one complete member/frame. */
  encode(parts: readonly Uint8Array[]): Promise<Buffer>;
  close(): void;
}

export interface MemberDecoderOptions {
  compression: 'gzip' | 'zstd';
  /** Raw zstd dictionary (zstd only). */
  dictionary?: Uint8Array;
}

/**
 * Most decompressed bytes one MemberDecoder.write() returns (1 MiB), whatever
 * the input: a tiny input may stand for gigabytes (zstd RLE blocks, deflate),
 * so the decoder stops at this bound and says so with `pending`.
 */
export const MAX_DECODE_OUTPUT = 1024 * 1024;

export interface DecodeStep {
  /** Decompressed bytes produced by this call (may be empty); at most MAX_DECODE_OUTPUT. */
  output: Buffer;
  /** How many bytes of the input were consumed (may be fewer than given, even 0, when `pending`). */
  consumed: number;
  /** True when the current member/frame ended inside this input. The decoder is then ready for the next one. */
  memberEnd: boolean;
  /**
   * True when the call stopped at MAX_DECODE_OUTPUT: more output may follow from
   * input already consumed. Call write() again with the unconsumed rest of the
   * input (an empty array when all was consumed) until a step is not pending;
   * a member never ends while output is pending.
   */
  pending: boolean;
}

/**
 * Incremental, synchronous decoder that stops at each member/frame boundary,
 * so a reader can report the compressed offset and length of every record.
 * Each call does bounded work: its output is capped at MAX_DECODE_OUTPUT (see
 * DecodeStep.pending for draining the rest), and callers feed input in modest chunks.
 * zstd skippable frames are consumed as members with empty output.
 */
export interface MemberDecoder {
  write(input: Uint8Array): DecodeStep;
  /** Drops any partial member and starts over. */
  reset(): void;
  close(): void;
}

export interface SpoolOptions {
  /**
   * Bytes kept in RAM before the spool moves to a temp file. Default 8 MiB. Whatever the
   * limits, all spools of a process hold at most 256 MiB of RAM together: an append that
   * would pass that budget moves its spool to the temp file.
   */
  memoryLimit?: number;
  /** Directory for the temp file. Default `os.tmpdir()`. */
  tempDir?: string;
  /** Skip RAM entirely and write to the temp file from the first byte. */
  fullOnDisk?: boolean;
}

/**
 * Append-only byte store: RAM up to a limit, then a temp file (mode 0600,
 * unlinked or removed on close). The temp file never outlives the spool.
 */
export interface Spool {
  append(chunk: Uint8Array): void;
  readonly size: number;
  readonly onDisk: boolean;
  /** Reads up to `length` bytes starting at `offset` (short at the end). */
  read(offset: number, length: number): Buffer;
  /** Releases memory and removes the temp file. Idempotent. */
  close(): void;
}

export interface CaptureBlockOptions {
  digestAlgorithm: DigestAlgorithm;
  /** Where the bytes are kept (see SpoolOptions). */
  spool?: SpoolOptions;
}

/**
 * One captured HTTP message block as it streams in: a Spool plus its block digest
 * (every byte) and payload digest (the byte ranges the caller marks as payload).
 * Each append is one crossing into the backend, whatever it updates. A record sink
 * takes it as a block like any Spool.
 */
export interface CaptureBlock extends Spool {
  /**
   * Appends `chunk` to the spool and the block digest, and its payload bytes to the
   * payload digest. `payloadRanges` lists [start, end) offsets into `chunk` as flat
   * pairs (`[start0, end0, start1, end1, ...]`), ascending and non-overlapping;
   * none (the default) when the chunk holds no payload (heads, chunk-size lines, trailers).
   * A bad range is ERR_INVALID_ARG and nothing is appended.
   */
  append(chunk: Uint8Array, payloadRanges?: readonly number[]): void;
  /** Payload bytes appended from now on are not hashed (the payload was cut short); payloadDigest() is then undefined. */
  stopPayload(): void;
  /** Label of every byte appended so far, e.g. `sha1:3I42H3S6...` (default encoding as Digest.label). */
  blockDigest(encoding?: DigestEncoding): string;
  /** Label of the payload bytes appended so far; undefined once stopPayload() was called. */
  payloadDigest(encoding?: DigestEncoding): string | undefined;
}

export interface RecordSinkOptions {
  compression: Compression;
  level?: number;
  /** Raw zstd dictionary (zstd only). */
  dictionary?: Uint8Array;
  /**
   * Bytes written verbatim at the start of a new file, before any record
   * (e.g. the zstd dictionary skippable frame). Ignored when appending to a non-empty file.
   */
  preamble?: Uint8Array;
}

/** Where a record landed: compressed offset and length within the file. */
export interface AppendResult {
  offset: number;
  length: number;
}

/**
 * Writes records to one file: header + block + CRLFCRLF as ONE gzip member
 * or zstd frame (or verbatim for `none`), compressed and written off the
 * main thread. Appends complete in call order.
 */
export interface RecordSink {
  readonly path: string;
  /** Bytes in the file once every pending append has landed. */
  readonly size: number;
  append(header: Uint8Array, block: Spool | Uint8Array): Promise<AppendResult>;
  /** Waits for pending appends, fsyncs and closes. Idempotent. */
  close(): Promise<void>;
}

export interface Backend {
  readonly name: BackendName;
  /** True when this backend can encode/decode zstd. */
  readonly zstdAvailable: boolean;
  createDigest(algorithm: DigestAlgorithm): Digest;
  createMemberEncoder(options: MemberEncoderOptions): MemberEncoder;
  createMemberDecoder(options: MemberDecoderOptions): MemberDecoder;
  createSpool(options?: SpoolOptions): Spool;
  /** A spool with its block and payload digests (the capture's message blocks); bad options are ERR_INVALID_OPTION. */
  createCaptureBlock(options: CaptureBlockOptions): CaptureBlock;
  /** Opens (creating if needed, never truncating) a file for appending records. */
  openRecordSink(path: string, options: RecordSinkOptions): Promise<RecordSink>;
}
