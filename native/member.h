// Member compression: one gzip member / one zstd frame / verbatim bytes per record,
// with compressor state reused between members; and the JS MemberEncoder on top.
#ifndef WARCWIRE_MEMBER_H_
#define WARCWIRE_MEMBER_H_

#include <napi.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "util.h"

namespace warcwire {

enum class Mode { kNone, kGzip, kZstd };

struct CompressorConfig {
  Mode mode = Mode::kNone;
  int level = 0;
  std::vector<uint8_t> dictionary;  // zstd only
};

// Reads {compression, level, dictionary} from a JS options object. `allowNone`
// admits compression 'none'. False with a pending ERR_INVALID_OPTION otherwise.
bool ParseCompressorConfig(Napi::Env env, const Napi::Value& value, bool allowNone, CompressorConfig* out);

// Receives compressed output; returns false to abort (the failure is already set).
using Emit = std::function<bool(const uint8_t* data, size_t len)>;

// Worker-thread object: never touched by two threads at once.
class Compressor {
 public:
  virtual ~Compressor() = default;
  // Starts a member of exactly `total` uncompressed bytes.
  virtual bool Begin(uint64_t total, Failure* failure) = 0;
  // Compresses `len` bytes; `last` ends the member and flushes everything.
  virtual bool Feed(const uint8_t* data, size_t len, bool last, const Emit& emit, Failure* failure) = 0;
  // An upper bound of the member size for `total` input bytes.
  virtual size_t Bound(uint64_t total) = 0;

  static std::unique_ptr<Compressor> Create(const CompressorConfig& config, Failure* failure);
};

// JS: new MemberEncoder({compression, level, dictionary}); encode(parts) -> Promise<Buffer>; close().
// Encodes run one batch at a time on libuv's pool, in call order, sharing one compressor.
class MemberEncoder : public Napi::ObjectWrap<MemberEncoder> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit MemberEncoder(const Napi::CallbackInfo& info);

  struct Job {
    std::vector<Napi::Reference<Napi::Value>> keep;  // JS buffers alive until done
    std::vector<std::pair<const uint8_t*, size_t>> parts;
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
  void StartNext();

  CompressorConfig config_;
  std::shared_ptr<std::unique_ptr<Compressor>> compressor_;  // created lazily on the worker
  std::deque<std::unique_ptr<Job>> pending_;
  bool running_ = false;
  bool closed_ = false;
};

}  // namespace warcwire

#endif  // WARCWIRE_MEMBER_H_
