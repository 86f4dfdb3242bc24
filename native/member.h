// MemberEncoder: one gzip member or one zstd frame per encode() call, compressed on
// libuv's pool by compressors that are reused between calls (see compressor.h).
#ifndef WARCWIRE_MEMBER_H_
#define WARCWIRE_MEMBER_H_

#include <napi.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "compressor.h"
#include "thread_budget.h"
#include "util.h"

namespace warcwire {

// JS: new MemberEncoder({compression, level, dictionary}); encode(parts) -> Promise<Buffer>; close().
class MemberEncoder : public Napi::ObjectWrap<MemberEncoder>, private ThreadBudget::Waiter {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit MemberEncoder(const Napi::CallbackInfo& info);
  ~MemberEncoder() override;

  struct Job {
    // A copy of the parts, made at the call: a JS buffer transferred or detached while the
    // job runs would free the bytes under the worker.
    std::vector<uint8_t> input;
    uint64_t bytes = 0;
    Napi::Promise::Deferred deferred;
    std::vector<uint8_t> output;
    Failure failure;
    explicit Job(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  };
  // Called on the main thread when a batch finished.
  void BatchDone();

 private:
  class Batch;
  Napi::Value Encode(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void StartBatches();
  void OnBudget() override { StartBatches(); }

  std::shared_ptr<CompressorPool> pool_;
  Mode mode_ = Mode::kGzip;
  std::shared_ptr<ThreadBudget> budget_;  // every batch holds a slot
  std::deque<std::unique_ptr<Job>> pending_;
  size_t running_ = 0;
  bool closed_ = false;
};

}  // namespace warcwire

#endif  // WARCWIRE_MEMBER_H_
