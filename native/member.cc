#include "member.h"

#include <string>

#include "guard.h"

namespace warcwire {

namespace {
// One batch takes small jobs together (fewer thread hops) but stays short enough
// that parallel batches share the work.
constexpr size_t kBatchJobs = 32;
constexpr uint64_t kBatchBytes = 1024 * 1024;
}  // namespace

// Encodes a few queued jobs with one borrowed compressor, on libuv's pool.
class MemberEncoder::Batch : public Napi::AsyncWorker {
 public:
  Batch(MemberEncoder* owner, std::vector<std::unique_ptr<Job>> jobs)
      : Napi::AsyncWorker(owner->Env(), "warcwire.encode"),
        keepOwner_(Napi::Persistent(owner->Value())),
        owner_(owner),
        pool_(owner->pool_),
        jobs_(std::move(jobs)) {}

  void Execute() override {
    Failure failure;
    std::unique_ptr<Compressor> compressor;
    Guarded(&failure, failCode_, "setting up a compressor", [&] { compressor = pool_->Acquire(&failure); });
    for (auto& job : jobs_) {
      if (!compressor) {
        job->failure = failure;
        continue;
      }
      bool ok = Guarded(&job->failure, failCode_, "encoding a member", [&] {
        const Part part(job->input.data(), job->input.size());
        CompressParts(compressor.get(), std::vector<Part>(job->input.empty() ? 0 : 1, part), &job->output, &job->failure);
      });
      if (!ok || job->failure.failed()) std::vector<uint8_t>().swap(job->output);
    }
    pool_->Release(std::move(compressor));
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (auto& job : jobs_) {
      if (job->failure.failed()) {
        job->deferred.Reject(MakeError(env, job->failure).Value());
      } else {
        auto* bytes = new std::vector<uint8_t>(std::move(job->output));
        Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::NewOrCopy(
            env, bytes->data(), bytes->size(),
            [](Napi::Env, uint8_t*, std::vector<uint8_t>* hint) { delete hint; }, bytes);
        job->deferred.Resolve(buffer);
      }
      std::vector<uint8_t>().swap(job->input);
    }
    owner_->BatchDone();
  }

 private:
  Napi::ObjectReference keepOwner_;  // the JS object outlives the batch
  MemberEncoder* owner_;
  std::shared_ptr<CompressorPool> pool_;
  // What any other exception thrown while compressing is: the compressor's failure.
  const char* const failCode_ = CompressionFailureCode(owner_->mode_);
  std::vector<std::unique_ptr<Job>> jobs_;
};

Napi::Function MemberEncoder::Define(Napi::Env env) {
  return DefineClass(env, "MemberEncoder",
                     {InstanceMethod<&MemberEncoder::Encode>("encode"),
                      InstanceMethod<&MemberEncoder::Close>("close")});
}

MemberEncoder::MemberEncoder(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<MemberEncoder>(info), budget_(ThreadBudget::Of(info.Env())) {
  CompressorConfig config;
  if (!ParseCompressorConfig(info.Env(), info.Length() > 0 ? info[0] : info.Env().Undefined(), false, &config)) return;
  mode_ = config.mode;
  pool_ = MakeCompressorPool(config);
}

MemberEncoder::~MemberEncoder() { budget_->Forget(this); }

Napi::Value MemberEncoder::Encode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<Job>(env);
  Napi::Promise promise = job->deferred.Promise();
  // Every failure is a rejection: encode() never throws. A pending exception (a throwing
  // element getter, a bad part) is the reason.
  auto rejectPending = [&]() {
    job->deferred.Reject(env.GetAndClearPendingException().Value());
    return promise;
  };
  auto reject = [&](const char* code, const std::string& message) {
    ThrowError(env, code, message);
    return rejectPending();
  };
  if (closed_) return reject("ERR_INVALID_OPTION", "encode() called after close()");
  if (!info[0].IsArray()) return reject("ERR_INVALID_ARG", "encode() takes an array of Uint8Array");
  Napi::Array parts = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < parts.Length(); i++) {
    Napi::Value part = parts.Get(i);
    ByteView view;
    // A throwing element getter leaves its exception pending: it becomes the rejection.
    if (env.IsExceptionPending() || !ReadBytes(env, part, "each encode() part", &view)) return rejectPending();
    // Copied at once: the next element's getter could detach this part's buffer.
    try {
      job->input.insert(job->input.end(), view.data, view.data + view.len);
    } catch (const std::bad_alloc&) {
      return reject("ERR_NO_MEMORY", "out of memory copying the encode() parts");
    }
  }
  job->bytes = job->input.size();
  pending_.push_back(std::move(job));
  StartBatches();
  return promise;
}

void MemberEncoder::StartBatches() {
  while (running_ < ParallelCompressions() && !pending_.empty()) {
    if (!budget_->TryAcquire()) {
      budget_->Wait(this, Value());
      return;
    }
    std::vector<std::unique_ptr<Job>> batch;
    uint64_t bytes = 0;
    while (!pending_.empty() && batch.size() < kBatchJobs && (batch.empty() || bytes < kBatchBytes)) {
      bytes += pending_.front()->bytes;
      batch.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    running_++;
    (new Batch(this, std::move(batch)))->Queue();
  }
}

void MemberEncoder::BatchDone() {
  running_--;
  budget_->Release();
  StartBatches();
  if (closed_ && pending_.empty()) pool_.reset();
}

Napi::Value MemberEncoder::Close(const Napi::CallbackInfo& info) {
  // Running batches hold the pool and finish normally; dropping ours frees the
  // compressors once they are done.
  closed_ = true;
  if (pending_.empty()) pool_.reset();
  return info.Env().Undefined();
}

}  // namespace warcwire
