// Module init only: registers one class per capability.
#include <napi.h>

#include "capture_block.h"
#include "digest.h"
#include "member.h"
#include "member_decoder.h"
#include "sink.h"
#include "spool.h"

namespace warcwire {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Digest", Digest::Define(env));
  exports.Set("MemberEncoder", MemberEncoder::Define(env));
  exports.Set("MemberDecoder", MemberDecoder::Define(env));
  exports.Set("Spool", Spool::Define(env));
  exports.Set("CaptureBlock", CaptureBlock::Define(env));
  exports.Set("RecordSink", RecordSink::Define(env));
  exports.Set("zstdVersion", Napi::String::New(env, ZSTD_versionString()));
  return exports;
}

}  // namespace warcwire

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return warcwire::Init(env, exports); }

NODE_API_MODULE(warcwire, InitAddon)
