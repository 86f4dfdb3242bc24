// A captured message block as it streams in: spool append, block digest and payload digest in one call.
#ifndef WARCWIRE_CAPTURE_BLOCK_H_
#define WARCWIRE_CAPTURE_BLOCK_H_

#include <napi.h>

#include <memory>
#include <string>

#include "digest.h"
#include "spool.h"

namespace warcwire {

// JS: new CaptureBlock(spool, 'sha1' | 'sha256'); append(buf, ranges?); stopPayload();
// blockDigest(enc?) -> label; payloadDigest(enc?) -> label | undefined.
// `spool` is a native Spool: the block appends to its core, which the JS object keeps owning
// (size, read, close and record sinks go through it). Hashing runs on the calling (main) thread,
// like Digest::update: callers keep chunks at or below ~1 MiB.
class CaptureBlock : public Napi::ObjectWrap<CaptureBlock> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit CaptureBlock(const Napi::CallbackInfo& info);

 private:
  Napi::Value Append(const Napi::CallbackInfo& info);
  Napi::Value StopPayload(const Napi::CallbackInfo& info);
  Napi::Value BlockDigest(const Napi::CallbackInfo& info);
  Napi::Value PayloadDigest(const Napi::CallbackInfo& info);
  // The label of `ctx`'s bytes so far (finished on a copy, so hashing can go on).
  Napi::Value Label(const Napi::CallbackInfo& info, EVP_MD_CTX* ctx);

  std::shared_ptr<SpoolCore> spool_;
  std::string algorithm_;
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> block_;
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> payload_;  // null once the payload was cut short
};

}  // namespace warcwire

#endif  // WARCWIRE_CAPTURE_BLOCK_H_
