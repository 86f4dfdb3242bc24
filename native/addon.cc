// Module init only: registers one class per capability.
#include <napi.h>

#include "capture_block.h"
#include "digest.h"
#include "fault.h"
#include "member.h"
#include "member_decoder.h"
#include "sink.h"
#include "spool.h"
#include "thread_budget.h"

namespace warcwire {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  if (!ReadInjectedFault(env)) return exports;
  ThreadBudget::Install(env);
  exports.Set("Digest", Digest::Define(env));
  exports.Set("MemberEncoder", MemberEncoder::Define(env));
  exports.Set("MemberDecoder", MemberDecoder::Define(env));
  exports.Set("Spool", Spool::Define(env));
  exports.Set("CaptureBlock", CaptureBlock::Define(env));
  exports.Set("RecordSink", RecordSink::Define(env));
  exports.Set("zstdVersion", Napi::String::New(env, ZSTD_versionString()));
  exports.Set("threadBudget", Napi::Number::New(env, static_cast<double>(ThreadBudget::Of(env)->limit())));
  return exports;
}

}  // namespace warcwire

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return warcwire::Init(env, exports); }

NODE_API_MODULE(warcwire, InitAddon)
