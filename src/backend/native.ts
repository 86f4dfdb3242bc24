/**
 * The native backend: loads the C++ addon (native/) with node-gyp-build —
 * build/Release first, then prebuilds/<platform>-<arch>/, or the file named by
 * WARCWIRE_ADDON (e.g. the AddressSanitizer build) — and adapts it to
 * the Backend interface, turning the addon's coded errors into BackendError.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { captureBlockOptionsArgument, isSpool } from './arguments';
import { BackendError, type BackendErrorCode } from './errors';
import type {
  AppendResult,
  Backend,
  CaptureBlock,
  CaptureBlockOptions,
  DecodeStep,
  Digest,
  DigestAlgorithm,
  DigestEncoding,
  MemberDecoder,
  MemberDecoderOptions,
  MemberEncoder,
  MemberEncoderOptions,
  RecordSink,
  RecordSinkOptions,
  Spool,
  SpoolOptions,
} from './types';

/** The package root: holds binding.gyp, build/ and prebuilds/ (this file is in src/backend or dist/backend). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

interface AddonDigest {
  update(chunk: Uint8Array): void;
  digest(): Buffer;
  label(encoding?: DigestEncoding): string;
}
interface AddonMemberEncoder {
  encode(parts: readonly Uint8Array[]): Promise<Buffer>;
  close(): void;
}
interface AddonMemberDecoder {
  write(input: Uint8Array): DecodeStep;
  reset(): void;
  close(): void;
}
interface AddonSpool {
  append(chunk: Uint8Array): void;
  read(offset: number, length: number): Buffer;
  close(): void;
  readonly size: number;
  readonly onDisk: boolean;
}
interface AddonCaptureBlock {
  append(chunk: Uint8Array, payloadRanges?: readonly number[]): void;
  stopPayload(): void;
  blockDigest(encoding?: DigestEncoding): string;
  payloadDigest(encoding?: DigestEncoding): string | undefined;
}
interface AddonRecordSink {
  open(): Promise<void>;
  append(header: Uint8Array, block: Uint8Array | AddonSpool): Promise<AppendResult>;
  close(): Promise<void>;
  readonly size: number;
}

/** What the addon exports (native/addon.cc). */
export interface NativeAddon {
  Digest: new (algorithm: string) => AddonDigest;
  MemberEncoder: new (options: MemberEncoderOptions) => AddonMemberEncoder;
  MemberDecoder: new (options: MemberDecoderOptions) => AddonMemberDecoder;
  Spool: new (options: SpoolOptions) => AddonSpool;
  CaptureBlock: new (spool: AddonSpool, digestAlgorithm: DigestAlgorithm) => AddonCaptureBlock;
  RecordSink: new (path: string, options: RecordSinkOptions) => AddonRecordSink;
  zstdVersion: string;
  /** libuv pool threads the addon's sinks and encoders may hold at once (native/thread_budget.h). */
  threadBudget: number;
}

const BACKEND_CODES: ReadonlySet<string> = new Set<BackendErrorCode>([
  'ERR_BACKEND_UNAVAILABLE',
  'ERR_ZSTD_UNAVAILABLE',
  'ERR_INVALID_OPTION',
  'ERR_INVALID_ARG',
  'ERR_SPOOL_CLOSED',
  'ERR_SPOOL_IO',
  'ERR_SINK_CLOSED',
  'ERR_SINK_OPEN',
  'ERR_SINK_WRITE',
  'ERR_DEFLATE',
  'ERR_ZSTD',
  'ERR_NO_MEMORY',
  'ERR_DECODE',
]);

/** The addon throws plain Errors carrying `code` (and `syscallCode`); give them the typed class. */
function toBackendError(err: unknown): unknown {
  // Duck-typed: the addon's errors come from the main realm, which is not the caller's
  // realm under vm sandboxes such as jest, so `instanceof Error` would miss them.
  if (err instanceof BackendError || typeof err !== 'object' || err === null) return err;
  const { code, syscallCode, message } = err as { code?: unknown; syscallCode?: unknown; message?: unknown };
  if (typeof code !== 'string' || !BACKEND_CODES.has(code) || typeof message !== 'string') return err;
  return new BackendError(code as BackendErrorCode, message, {
    cause: err,
    ...(typeof syscallCode === 'string' ? { syscallCode } : {}),
  });
}

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toBackendError(err);
  }
}

async function settle<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw toBackendError(err);
  }
}

class NativeDigest implements Digest {
  private readonly handle: AddonDigest;
  constructor(
    addon: NativeAddon,
    readonly algorithm: DigestAlgorithm,
  ) {
    this.handle = call(() => new addon.Digest(algorithm));
  }
  /** Hashes on the calling thread (~1 GB/s): feed chunks of at most ~1 MiB to keep the event loop free. */
  update(chunk: Uint8Array): void {
    call(() => this.handle.update(chunk));
  }
  digest(): Buffer {
    return call(() => this.handle.digest());
  }
  label(encoding?: DigestEncoding): string {
    return call(() => this.handle.label(encoding));
  }
}

class NativeMemberEncoder implements MemberEncoder {
  private readonly handle: AddonMemberEncoder;
  constructor(addon: NativeAddon, options: MemberEncoderOptions) {
    this.handle = call(() => new addon.MemberEncoder(options));
  }
  encode(parts: readonly Uint8Array[]): Promise<Buffer> {
    return settle(this.handle.encode(parts));
  }
  close(): void {
    this.handle.close();
  }
}

class NativeMemberDecoder implements MemberDecoder {
  private readonly handle: AddonMemberDecoder;
  constructor(addon: NativeAddon, options: MemberDecoderOptions) {
    this.handle = call(() => new addon.MemberDecoder(options));
  }
  write(input: Uint8Array): DecodeStep {
    return call(() => this.handle.write(input));
  }
  reset(): void {
    this.handle.reset();
  }
  close(): void {
    this.handle.close();
  }
}

let defaultTempDir: string | undefined;
/** os.tmpdir() once: it reads the environment on every call, and a capture makes two spools per exchange. */
function tempDirDefault(): string {
  defaultTempDir ??= os.tmpdir();
  return defaultTempDir;
}

export class NativeSpool implements Spool {
  /** The addon object; a native sink reads it on its worker thread. */
  readonly handle: AddonSpool;
  constructor(addon: NativeAddon, options: SpoolOptions = {}) {
    // Like the js backend: anything but an object means the defaults.
    const given: SpoolOptions = typeof options === 'object' && options !== null ? options : {};
    const tempDir = given.tempDir ?? tempDirDefault();
    this.handle = call(() => new addon.Spool({ ...given, tempDir }));
  }
  get size(): number {
    return this.handle.size;
  }
  get onDisk(): boolean {
    return this.handle.onDisk;
  }
  append(chunk: Uint8Array): void {
    call(() => this.handle.append(chunk));
  }
  read(offset: number, length: number): Buffer {
    return call(() => this.handle.read(offset, length));
  }
  close(): void {
    this.handle.close();
  }
}

/** A NativeSpool whose appends also update both digests in the addon: one crossing per chunk. */
class NativeCaptureBlock extends NativeSpool implements CaptureBlock {
  private readonly block: AddonCaptureBlock;
  constructor(addon: NativeAddon, options: CaptureBlockOptions) {
    const { spool, digestAlgorithm } = captureBlockOptionsArgument(options);
    super(addon, spool);
    try {
      this.block = new addon.CaptureBlock(this.handle, digestAlgorithm);
    } catch (err) {
      this.handle.close(); // a full-on-disk spool already holds its temp file
      throw toBackendError(err);
    }
  }
  override append(chunk: Uint8Array, payloadRanges?: readonly number[]): void {
    // try/catch rather than call(): no closure per captured chunk.
    try {
      this.block.append(chunk, payloadRanges);
    } catch (err) {
      throw toBackendError(err);
    }
  }
  stopPayload(): void {
    this.block.stopPayload();
  }
  blockDigest(encoding?: DigestEncoding): string {
    return call(() => this.block.blockDigest(encoding));
  }
  payloadDigest(encoding?: DigestEncoding): string | undefined {
    return call(() => this.block.payloadDigest(encoding));
  }
}

class NativeRecordSink implements RecordSink {
  private closing: Promise<void> | undefined;
  constructor(
    readonly path: string,
    private readonly handle: AddonRecordSink,
  ) {}

  static async open(addon: NativeAddon, filePath: string, options: RecordSinkOptions): Promise<NativeRecordSink> {
    const handle = call(() => new addon.RecordSink(filePath, options));
    await settle(handle.open());
    return new NativeRecordSink(filePath, handle);
  }

  get size(): number {
    return this.handle.size;
  }

  append(header: Uint8Array, block: Spool | Uint8Array): Promise<AppendResult> {
    if (this.closing !== undefined) {
      return Promise.reject(new BackendError('ERR_SINK_CLOSED', `cannot append to ${this.path}: the record sink is closed`));
    }
    let nativeBlock: Uint8Array | AddonSpool;
    try {
      // A spool from another backend is read whole here; native spools are read on the worker.
      // Anything else goes to the addon, which checks it.
      nativeBlock = block instanceof NativeSpool ? block.handle : isSpool(block) ? block.read(0, block.size) : block;
    } catch (err) {
      return Promise.reject(toBackendError(err));
    }
    return settle(this.handle.append(header, nativeBlock));
  }

  close(): Promise<void> {
    this.closing ??= settle(this.handle.close());
    return this.closing;
  }
}

/** WARCWIRE_ADDON=path loads that addon file instead (`npm run test:asan` uses it). */
export const ADDON_PATH_VARIABLE = 'WARCWIRE_ADDON';

/** Where the addon is: WARCWIRE_ADDON, else where node-gyp-build finds it (throws when there is none). */
export function resolveNativeAddonPath(): string {
  const override = process.env[ADDON_PATH_VARIABLE];
  if (override !== undefined && override !== '') return path.resolve(override);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
  return nodeGypBuild.resolve(PACKAGE_ROOT);
}

let loadedFrom: string | undefined;

/** The file the addon was loaded from, once loadNativeBackend() succeeded. */
export function nativeAddonPath(): string | undefined {
  return loadedFrom;
}

/** The classes this package calls: an addon built from older sources (a stale build/ or prebuild) lacks some. */
const ADDON_CLASSES = ['Digest', 'MemberEncoder', 'MemberDecoder', 'Spool', 'CaptureBlock', 'RecordSink'] as const satisfies ReadonlyArray<keyof NativeAddon>;

/** Loads the addon and returns it as a Backend; ERR_BACKEND_UNAVAILABLE when it cannot load. */
export function loadNativeBackend(): Backend {
  let addon: NativeAddon;
  let file: string;
  try {
    file = resolveNativeAddonPath();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(file) as NativeAddon;
  } catch (err) {
    throw new BackendError(
      'ERR_BACKEND_UNAVAILABLE',
      `the native warcwire addon cannot be loaded for ${process.platform}-${process.arch} from ${PACKAGE_ROOT}: ` +
        // node-gyp-build's message spans lines ("\n    loaded from: …"): keep the error on one line.
        `${(err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').trim()}; build it with \`npm run build:native\` (needs a C++ compiler, make and python3)`,
      { cause: err },
    );
  }
  const missing = ADDON_CLASSES.filter((name) => typeof (addon as Partial<NativeAddon>)[name] !== 'function');
  if (missing.length > 0) {
    throw new BackendError(
      'ERR_BACKEND_UNAVAILABLE',
      `the native warcwire addon ${file} was built from older sources than this package (it has no ${missing.join(', ')}); rebuild it with \`npm run build:native\``,
    );
  }
  loadedFrom = file;
  return Object.freeze<Backend>({
    name: 'native' as const,
    zstdAvailable: true,
    createDigest: (algorithm) => new NativeDigest(addon, algorithm),
    createMemberEncoder: (options) => new NativeMemberEncoder(addon, options),
    createMemberDecoder: (options) => new NativeMemberDecoder(addon, options),
    createSpool: (options) => new NativeSpool(addon, options),
    createCaptureBlock: (options) => new NativeCaptureBlock(addon, options),
    openRecordSink: (filePath, options) => NativeRecordSink.open(addon, filePath, options),
  });
}
