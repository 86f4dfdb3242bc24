#include "sink.h"

#include "sink_io.h"

namespace warcwire {

namespace {

// Records up to this size are compressed ahead, in parallel, into memory; larger ones
// stream through the writer so they are never held whole.
constexpr uint64_t kPrecompressLimit = 16ull * 1024 * 1024;
// Input bytes compressed ahead but not yet handed to the writer: bounds the memory held
// when a slow record at the front makes later ones wait.
constexpr uint64_t kMaxAheadBytes = 64ull * 1024 * 1024;
// One compress job takes a few small records together (fewer thread hops).
constexpr size_t kCompressJobRecords = 16;
constexpr uint64_t kCompressJobBytes = 512 * 1024;
// Bounds one write batch so early appends resolve while a long queue is still being written.
constexpr size_t kMaxBatchJobs = 256;
constexpr uint64_t kMaxBatchBytes = 64ull * 1024 * 1024;

using Job = RecordSink::Job;

const uint8_t* BytesOf(const Napi::TypedArray& array) {
  return static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
}

}  // namespace

// Compresses a few records ahead of the writer with a compressor borrowed from the pool.
class RecordSink::CompressJob : public Napi::AsyncWorker {
 public:
  CompressJob(RecordSink* owner, std::vector<Job*> jobs)
      : Napi::AsyncWorker(owner->Env(), "warcwire.compress"),
        keepOwner_(Napi::Persistent(owner->Value())),
        owner_(owner),
        pool_(owner->file_->pool),
        jobs_(std::move(jobs)) {}

  void Execute() override {
    Failure failure;
    std::unique_ptr<Compressor> compressor = pool_->Acquire(&failure);
    std::vector<uint8_t> scratch;
    std::vector<Part> parts;
    for (Job* job : jobs_) {
      if (!compressor) {
        job->failure = failure;
        continue;
      }
      try {
        if (!RecordParts(job, &scratch, &parts) ||
            !CompressParts(compressor.get(), parts, &job->member, &job->failure)) {
          std::vector<uint8_t>().swap(job->member);
        }
      } catch (const std::exception& e) {
        std::vector<uint8_t>().swap(job->member);
        job->failure.Set("ERR_SINK_WRITE", "cannot compress a record: " + std::string(e.what()));
      }
    }
    pool_->Release(std::move(compressor));
  }

  void OnOK() override {
    for (Job* job : jobs_) owner_->CompressDone(job);
    owner_->compressing_--;
    owner_->PumpCompress();
    owner_->PumpWrite();
  }

 private:
  Napi::ObjectReference keepOwner_;  // the JS object outlives the job
  RecordSink* owner_;
  std::shared_ptr<CompressorPool> pool_;
  std::vector<Job*> jobs_;  // owned by the sink's queue until written
};

// Runs the jobs at the front of the queue, in order: open, writes, close.
class RecordSink::WriteBatch : public Napi::AsyncWorker {
 public:
  WriteBatch(RecordSink* owner, std::vector<std::unique_ptr<Job>> jobs)
      : Napi::AsyncWorker(owner->Env(), "warcwire.write"),
        keepOwner_(Napi::Persistent(owner->Value())),
        owner_(owner),
        file_(owner->file_),
        jobs_(std::move(jobs)) {}

  void Execute() override {
    std::vector<Job*> group;
    for (auto& job : jobs_) {
      try {
        if (job->kind == Kind::kAppend && job->precompress) {
          if (!job->failure.failed()) group.push_back(job.get());
          continue;
        }
        WritePrecompressed(file_.get(), group);
        group.clear();
        switch (job->kind) {
          case Kind::kOpen: OpenFile(file_.get(), &job->failure); break;
          case Kind::kAppend: AppendStreamed(file_.get(), job.get()); break;
          case Kind::kClose: CloseFile(file_.get(), &job->failure); break;
        }
      } catch (const std::exception& e) {
        job->failure.Set("ERR_SINK_WRITE", "cannot write to " + file_->path + ": " + e.what());
      }
    }
    try {
      WritePrecompressed(file_.get(), group);
    } catch (const std::exception& e) {
      for (Job* job : group) job->failure.Set("ERR_SINK_WRITE", "cannot write to " + file_->path + ": " + e.what());
    }
    size_ = file_->size;
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (auto& job : jobs_) {
      job->keep.clear();
      job->spool.reset();
      if (job->failure.failed()) {
        job->deferred.Reject(MakeError(env, job->failure).Value());
      } else if (job->kind == Kind::kAppend) {
        Napi::Object result = Napi::Object::New(env);
        result.Set("offset", Napi::Number::New(env, static_cast<double>(job->offset)));
        result.Set("length", Napi::Number::New(env, static_cast<double>(job->length)));
        job->deferred.Resolve(result);
      } else {
        job->deferred.Resolve(env.Undefined());
      }
    }
    jobs_.clear();
    owner_->WriteDone(size_);
  }

 private:
  Napi::ObjectReference keepOwner_;  // the JS object outlives the batch
  RecordSink* owner_;
  std::shared_ptr<SinkFile> file_;
  std::vector<std::unique_ptr<Job>> jobs_;
  uint64_t size_ = 0;
};

Napi::Function RecordSink::Define(Napi::Env env) {
  return DefineClass(env, "RecordSink",
                     {InstanceMethod<&RecordSink::Open>("open"), InstanceMethod<&RecordSink::Append>("append"),
                      InstanceMethod<&RecordSink::Close>("close"), InstanceAccessor<&RecordSink::Size>("size")});
}

RecordSink::RecordSink(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<RecordSink>(info), file_(std::make_shared<SinkFile>()) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString()) {
    ThrowError(env, "ERR_INVALID_OPTION", "RecordSink takes (path, options)");
    return;
  }
  file_->path = info[0].As<Napi::String>().Utf8Value();
  if (file_->path.empty() || file_->path.find('\0') != std::string::npos) {
    ThrowError(env, "ERR_INVALID_OPTION", "the record sink path must be a non-empty string without NUL bytes");
    return;
  }
  if (!ParseCompressorConfig(env, info[1], true, &file_->config)) return;
  file_->pool = std::make_shared<CompressorPool>(file_->config);
  Napi::Value preamble = info[1].As<Napi::Object>().Get("preamble");
  if (!preamble.IsUndefined()) {
    if (!preamble.IsTypedArray()) {
      ThrowError(env, "ERR_INVALID_OPTION", "preamble must be a Uint8Array");
      return;
    }
    Napi::TypedArray array = preamble.As<Napi::TypedArray>();
    file_->preamble.assign(BytesOf(array), BytesOf(array) + array.ByteLength());
  }
}

Napi::Value RecordSink::Enqueue(std::unique_ptr<Job> job) {
  Napi::Promise promise = job->deferred.Promise();
  if (job->precompress) toCompress_.push_back(job.get());
  queue_.push_back(std::move(job));
  PumpCompress();
  PumpWrite();
  return promise;
}

void RecordSink::PumpCompress() {
  while (compressing_ < ParallelCompressions() && !toCompress_.empty() &&
         (compressing_ == 0 || aheadBytes_ < kMaxAheadBytes)) {
    std::vector<Job*> jobs;
    uint64_t bytes = 0;
    while (!toCompress_.empty() && jobs.size() < kCompressJobRecords && (jobs.empty() || bytes < kCompressJobBytes)) {
      bytes += toCompress_.front()->headerLen + toCompress_.front()->blockLen;
      jobs.push_back(toCompress_.front());
      toCompress_.pop_front();
    }
    aheadBytes_ += bytes;
    compressing_++;
    (new CompressJob(this, std::move(jobs)))->Queue();
  }
}

void RecordSink::CompressDone(Job* job) { job->compressed = true; }

void RecordSink::PumpWrite() {
  if (writing_ || queue_.empty()) return;
  std::vector<std::unique_ptr<Job>> batch;
  uint64_t bytes = 0;
  while (!queue_.empty() && batch.size() < kMaxBatchJobs && (batch.empty() || bytes < kMaxBatchBytes)) {
    Job* front = queue_.front().get();
    if (front->precompress && !front->compressed) break;  // order: wait for it
    bytes += front->precompress ? front->member.size() : front->headerLen + front->blockLen;
    if (front->precompress) aheadBytes_ -= front->headerLen + front->blockLen;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  if (batch.empty()) return;
  writing_ = true;
  (new WriteBatch(this, std::move(batch)))->Queue();
}

void RecordSink::WriteDone(uint64_t size) {
  writing_ = false;
  size_ = size;
  PumpWrite();
}

Napi::Value RecordSink::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<Job>(env, Kind::kOpen);
  if (opened_ || closed_) {
    Napi::Promise promise = job->deferred.Promise();
    job->deferred.Reject(MakeError(env, "ERR_INVALID_OPTION", "open() may be called once").Value());
    return promise;
  }
  opened_ = true;
  return Enqueue(std::move(job));
}

Napi::Value RecordSink::Append(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<Job>(env, Kind::kAppend);
  auto reject = [&](const char* code, const std::string& message) {
    Napi::Promise promise = job->deferred.Promise();
    job->deferred.Reject(MakeError(env, code, message).Value());
    return promise;
  };
  if (closed_) return reject("ERR_SINK_CLOSED", "append() called after close() on " + file_->path);
  if (!opened_) return reject("ERR_SINK_CLOSED", "append() called before open() on " + file_->path);
  if (info.Length() < 2 || !info[0].IsTypedArray()) {
    return reject("ERR_INVALID_OPTION", "append() takes (header: Uint8Array, block: Spool | Uint8Array)");
  }
  Napi::TypedArray header = info[0].As<Napi::TypedArray>();
  job->header = BytesOf(header);
  job->headerLen = header.ByteLength();
  job->keep.push_back(Napi::Persistent(info[0]));
  if (info[1].IsTypedArray()) {
    Napi::TypedArray block = info[1].As<Napi::TypedArray>();
    job->block = BytesOf(block);
    job->blockLen = block.ByteLength();
    job->keep.push_back(Napi::Persistent(info[1]));
  } else if (std::shared_ptr<SpoolCore> spool = Spool::CoreOf(info[1])) {
    if (spool->closed()) return reject("ERR_SPOOL_CLOSED", "append() was given a closed spool");
    // The record holds the bytes the spool had at this call.
    job->blockLen = spool->size();
    job->spool = std::move(spool);
  } else {
    return reject("ERR_INVALID_OPTION", "append() block must be a Uint8Array or a native Spool");
  }
  job->precompress = file_->config.mode != Mode::kNone && job->headerLen + job->blockLen <= kPrecompressLimit;
  return Enqueue(std::move(job));
}

Napi::Value RecordSink::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  closed_ = true;
  return Enqueue(std::make_unique<Job>(env, Kind::kClose));
}

Napi::Value RecordSink::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(size_));
}

}  // namespace warcwire
