/** The pure-JS backend: the Backend interface on node:crypto, node:zlib and node:fs. */
import { optionsArgument } from '../arguments';
import { BackendError } from '../errors';
import type { Backend, MemberDecoder, MemberDecoderOptions } from '../types';
import { JsCaptureBlock } from './capture-block';
import { JsDigest } from './digest';
import { JsGzipMemberDecoder } from './gzip-member-decoder';
import { JsMemberEncoder } from './member-encoder';
import { JsRecordSink } from './record-sink';
import { JsSpool } from './spool';
import { nodeZstd } from './zstd-support';
import { JsZstdMemberDecoder } from './zstd-member-decoder';

function createMemberDecoder(options: MemberDecoderOptions): MemberDecoder {
  optionsArgument(options, 'MemberDecoder');
  if (options.compression === 'gzip') {
    if (options.dictionary !== undefined) {
      throw new BackendError('ERR_INVALID_OPTION', 'a dictionary is only supported with zstd compression, not gzip');
    }
    return new JsGzipMemberDecoder();
  }
  if (options.compression === 'zstd') return new JsZstdMemberDecoder(options.dictionary);
  throw new BackendError('ERR_INVALID_OPTION', `unknown compression ${JSON.stringify(options.compression)} (expected 'gzip' or 'zstd')`);
}

export const jsBackend: Backend = Object.freeze<Backend>({
  name: 'js' as const,
  zstdAvailable: nodeZstd !== undefined,
  createDigest: (algorithm) => new JsDigest(algorithm),
  createMemberEncoder: (options) => new JsMemberEncoder(options),
  createMemberDecoder,
  createSpool: (options) => new JsSpool(options),
  createCaptureBlock: (options) => new JsCaptureBlock(options),
  openRecordSink: (filePath, options) => JsRecordSink.open(filePath, options),
});
