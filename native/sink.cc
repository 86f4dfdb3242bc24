#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

namespace warcwire {

namespace {

constexpr size_t kSpoolChunk = 1024 * 1024;
// Bounds one batch so early appends resolve while a long queue is still being written.
constexpr size_t kMaxBatchJobs = 256;
constexpr uint64_t kMaxBatchBytes = 64ull * 1024 * 1024;
const uint8_t kRecordEnd[4] = {'\r', '\n', '\r', '\n'};

std::string Describe(int err) { return ErrnoText(err) + " (" + ErrnoName(err) + ")"; }

const uint8_t* BytesOf(const Napi::TypedArray& array) {
  return static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
}

void OpenFile(SinkFile* file, Failure* failure) {
  UniqueFd fd(::open(file->path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    int err = errno;
    std::string why = err == ENOENT ? "the directory does not exist (ENOENT)" : Describe(err);
    failure->Set("ERR_SINK_OPEN", "cannot open " + file->path + " for writing: " + why, err);
    return;
  }
  // lseek rather than fstat: fstat64 would tie the prebuild to glibc >= 2.33.
  off_t end = lseek(fd.get(), 0, SEEK_END);
  if (end < 0) {
    int err = errno;
    failure->Set("ERR_SINK_OPEN", "cannot find the end of " + file->path + ": " + Describe(err), err);
    return;
  }
  file->compressor = Compressor::Create(file->config, failure);
  if (!file->compressor) return;
  file->size = static_cast<uint64_t>(end);
  if (file->size == 0 && !file->preamble.empty()) {
    int err = 0;
    if (!WriteAll(fd.get(), file->preamble.data(), file->preamble.size(), &err)) {
      if (ftruncate(fd.get(), 0) != 0) file->damaged = true;
      failure->Set("ERR_SINK_WRITE", "cannot write the preamble of " + file->path + ": " + Describe(err), err);
      return;
    }
    file->size = file->preamble.size();
  }
  file->fd = std::move(fd);
}

void AppendRecord(SinkFile* file, RecordSink::Job* job) {
  Failure* failure = &job->failure;
  if (!file->fd.valid()) {
    failure->Set("ERR_SINK_CLOSED", "the record sink for " + file->path + " is not open");
    return;
  }
  if (file->damaged) {
    failure->Set("ERR_SINK_WRITE", file->path + " holds a partly written record that could not be removed; "
                                                "no further records are appended to it");
    return;
  }
  const uint64_t start = file->size;
  uint64_t written = 0;
  int writeErr = 0;
  Emit emit = [&](const uint8_t* data, size_t len) {
    if (!WriteAll(file->fd.get(), data, len, &writeErr)) return false;
    written += len;
    return true;
  };
  Compressor* c = file->compressor.get();
  uint64_t total = job->headerLen + job->blockLen + sizeof kRecordEnd;
  bool ok = c->Begin(total, failure) && c->Feed(job->header, job->headerLen, false, emit, failure);
  if (ok && job->spool) {
    std::vector<uint8_t> chunk(static_cast<size_t>(std::min<uint64_t>(kSpoolChunk, job->blockLen)));
    for (uint64_t at = 0; ok && at < job->blockLen;) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(chunk.size(), job->blockLen - at));
      size_t got = 0;
      ok = job->spool->Read(at, chunk.data(), want, &got, failure);
      if (ok && got != want) {
        failure->Set("ERR_SPOOL_IO", "the spool shrank while its record was being written");
        ok = false;
      }
      if (ok) ok = c->Feed(chunk.data(), got, false, emit, failure);
      at += got;
    }
  } else if (ok) {
    ok = c->Feed(job->block, job->blockLen, false, emit, failure);
  }
  if (ok) ok = c->Feed(kRecordEnd, sizeof kRecordEnd, true, emit, failure);
  if (ok) {
    job->offset = start;
    job->length = written;
    file->size = start + written;
    return;
  }
  // Cut the partial member away so every earlier member still decodes.
  // Always: a write() can land part of a chunk before it fails.
  bool cut = false;
  while (!cut) {
    if (ftruncate(file->fd.get(), static_cast<off_t>(start)) == 0) cut = true;
    else if (errno != EINTR) break;
  }
  if (!cut) file->damaged = true;
  if (writeErr != 0) {
    // Same wording as the js backend.
    std::string what = writeErr == ENOSPC   ? "no space left on the device"
                       : writeErr == EFBIG  ? "file too large (beyond the file size limit)"
                       : writeErr == EDQUOT ? "disk quota exceeded"
                       : writeErr == EIO    ? "input/output error on the device"
                       : writeErr == EROFS  ? "read-only file system"
                                            : ErrnoText(writeErr);
    failure->Set("ERR_SINK_WRITE",
                 "cannot write to " + file->path + ": " + what + " (" + ErrnoName(writeErr) + "); the record was " +
                     (cut ? "not written and the file was cut back to " + std::to_string(start) + " bytes"
                          : "partly written and could not be removed"),
                 writeErr);
  }
}

void CloseFile(SinkFile* file, Failure* failure) {
  if (!file->fd.valid()) return;
  int err = 0;
  // EINVAL: the path is a pipe or device that cannot be synced; nothing to flush.
  if (fsync(file->fd.get()) != 0 && errno != EINVAL) err = errno;
  int closeErr = file->fd.Reset();
  if (err == 0) err = closeErr;
  file->compressor.reset();
  if (err != 0) failure->Set("ERR_SINK_WRITE", "cannot flush " + file->path + " to disk: " + Describe(err), err);
}

}  // namespace

// Runs the jobs queued when it started, in order, on libuv's pool.
class RecordSink::Batch : public Napi::AsyncWorker {
 public:
  Batch(RecordSink* owner, std::deque<std::unique_ptr<Job>> jobs)
      : Napi::AsyncWorker(owner->Env(), "warcwire.sink"),
        keepOwner_(Napi::Persistent(owner->Value())),
        owner_(owner), file_(owner->file_), jobs_(std::move(jobs)) {}

  void Execute() override {
    for (auto& job : jobs_) {
      try {
        switch (job->kind) {
          case Kind::kOpen: OpenFile(file_.get(), &job->failure); break;
          case Kind::kAppend: AppendRecord(file_.get(), job.get()); break;
          case Kind::kClose: CloseFile(file_.get(), &job->failure); break;
        }
      } catch (const std::exception& e) {
        job->failure.Set("ERR_SINK_WRITE", "cannot write to " + file_->path + ": " + e.what());
      }
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
    owner_->BatchDone(size_);
  }

 private:
  Napi::ObjectReference keepOwner_;  // the JS object outlives the batch
  RecordSink* owner_;
  std::shared_ptr<SinkFile> file_;
  std::deque<std::unique_ptr<Job>> jobs_;
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
  pending_.push_back(std::move(job));
  StartNext();
  return promise;
}

void RecordSink::StartNext() {
  if (running_ || pending_.empty()) return;
  std::deque<std::unique_ptr<Job>> batch;
  uint64_t bytes = 0;
  while (!pending_.empty() && batch.size() < kMaxBatchJobs && (batch.empty() || bytes < kMaxBatchBytes)) {
    bytes += pending_.front()->headerLen + pending_.front()->blockLen;
    batch.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  running_ = true;
  (new Batch(this, std::move(batch)))->Queue();
}

void RecordSink::BatchDone(uint64_t size) {
  running_ = false;
  size_ = size;
  StartNext();
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
