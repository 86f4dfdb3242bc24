#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>

namespace warcwire {

namespace {

constexpr size_t kSpoolChunk = 1024 * 1024;
// Records up to this size are compressed ahead, in parallel, into memory.
constexpr uint64_t kPrecompressLimit = 4ull * 1024 * 1024;
// One compress job takes a few small records together (fewer thread hops).
constexpr size_t kCompressJobRecords = 16;
constexpr uint64_t kCompressJobBytes = 512 * 1024;
// Bounds one write batch so early appends resolve while a long queue is still being written.
constexpr size_t kMaxBatchJobs = 256;
constexpr uint64_t kMaxBatchBytes = 64ull * 1024 * 1024;
const uint8_t kRecordEnd[4] = {'\r', '\n', '\r', '\n'};

using Job = RecordSink::Job;

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

// False (with the failure set) when the sink cannot take records at all.
bool Writable(SinkFile* file, Failure* failure) {
  if (!file->fd.valid()) {
    failure->Set("ERR_SINK_CLOSED", "the record sink for " + file->path + " is not open");
    return false;
  }
  if (file->damaged) {
    failure->Set("ERR_SINK_WRITE", file->path + " holds a partly written record that could not be removed; "
                                                "no further records are appended to it");
    return false;
  }
  return true;
}

// Cuts away a partial member so every earlier member still decodes.
bool CutBack(SinkFile* file, uint64_t start) {
  for (;;) {
    if (ftruncate(file->fd.get(), static_cast<off_t>(start)) == 0) return true;
    if (errno != EINTR) break;
  }
  file->damaged = true;
  return false;
}

void FailWrite(SinkFile* file, Failure* failure, int err, uint64_t start) {
  bool cut = CutBack(file, start);
  // Same wording as the js backend.
  std::string what = err == ENOSPC   ? "no space left on the device"
                     : err == EFBIG  ? "file too large (beyond the file size limit)"
                     : err == EDQUOT ? "disk quota exceeded"
                     : err == EIO    ? "input/output error on the device"
                     : err == EROFS  ? "read-only file system"
                                     : ErrnoText(err);
  failure->Set("ERR_SINK_WRITE",
               "cannot write to " + file->path + ": " + what + " (" + ErrnoName(err) + "); the record was " +
                   (cut ? "not written and the file was cut back to " + std::to_string(start) + " bytes"
                        : "partly written and could not be removed"),
               err);
}

// Header, block (spool bytes copied into `scratch`) and CRLFCRLF as parts of one member.
bool RecordParts(Job* job, std::vector<uint8_t>* scratch, std::vector<Part>* parts) {
  parts->clear();
  parts->emplace_back(job->header, job->headerLen);
  if (job->spool) {
    scratch->resize(job->blockLen);
    size_t got = 0;
    if (job->blockLen > 0 && !job->spool->Read(0, scratch->data(), job->blockLen, &got, &job->failure)) return false;
    if (got != job->blockLen) {
      job->failure.Set("ERR_SPOOL_IO", "the spool shrank while its record was being written");
      return false;
    }
    parts->emplace_back(scratch->data(), scratch->size());
  } else {
    parts->emplace_back(job->block, job->blockLen);
  }
  parts->emplace_back(kRecordEnd, sizeof kRecordEnd);
  return true;
}

// A record too large to hold compressed in memory: compress and write it chunk by chunk.
void AppendStreamed(SinkFile* file, Job* job) {
  Failure* failure = &job->failure;
  if (!Writable(file, failure)) return;
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
  } else if (writeErr != 0) {
    FailWrite(file, failure, writeErr, start);
  } else {
    CutBack(file, start);  // a spool or compressor failure: its message stands
  }
}

// writev() of whole members; *done receives the bytes written even on failure.
bool WritevAll(int fd, std::vector<iovec>* iov, uint64_t* done, int* err) {
  size_t index = 0;
  *done = 0;
  while (index < iov->size()) {
    int count = static_cast<int>(std::min<size_t>(iov->size() - index, IOV_MAX));
    ssize_t n = ::writev(fd, iov->data() + index, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return false;
    }
    *done += static_cast<uint64_t>(n);
    size_t left = static_cast<size_t>(n);
    while (index < iov->size() && left >= (*iov)[index].iov_len) left -= (*iov)[index++].iov_len;
    if (left > 0) {
      (*iov)[index].iov_base = static_cast<uint8_t*>((*iov)[index].iov_base) + left;
      (*iov)[index].iov_len -= left;
    }
  }
  return true;
}

void WriteOne(SinkFile* file, Job* job) {
  if (!Writable(file, &job->failure)) return;
  const uint64_t start = file->size;
  int err = 0;
  if (!WriteAll(file->fd.get(), job->member.data(), job->member.size(), &err)) {
    FailWrite(file, &job->failure, err, start);
    return;
  }
  job->offset = start;
  job->length = job->member.size();
  file->size = start + job->length;
}

// Members compressed ahead, written with as few syscalls as possible. When the
// combined write fails, the members it completed stand and the rest go one by one,
// so each record succeeds or fails on its own, exactly as with separate writes.
void WritePrecompressed(SinkFile* file, const std::vector<Job*>& group) {
  if (group.empty()) return;
  Failure unavailable;
  if (!Writable(file, &unavailable)) {
    for (Job* job : group) job->failure = unavailable;
    return;
  }
  std::vector<iovec> iov;
  iov.reserve(group.size());
  for (Job* job : group) iov.push_back({job->member.data(), job->member.size()});
  const uint64_t start = file->size;
  uint64_t done = 0;
  int err = 0;
  bool ok = WritevAll(file->fd.get(), &iov, &done, &err);
  uint64_t at = start;
  size_t i = 0;
  for (; i < group.size() && (ok || at + group[i]->member.size() <= start + done); i++) {
    group[i]->offset = at;
    group[i]->length = group[i]->member.size();
    at += group[i]->length;
  }
  file->size = at;
  if (ok) return;
  if (!CutBack(file, at)) {
    for (; i < group.size(); i++) FailWrite(file, &group[i]->failure, err, at);
    return;
  }
  for (; i < group.size(); i++) WriteOne(file, group[i]);
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
  while (compressing_ < ParallelCompressions() && !toCompress_.empty()) {
    std::vector<Job*> jobs;
    uint64_t bytes = 0;
    while (!toCompress_.empty() && jobs.size() < kCompressJobRecords && (jobs.empty() || bytes < kCompressJobBytes)) {
      bytes += toCompress_.front()->headerLen + toCompress_.front()->blockLen;
      jobs.push_back(toCompress_.front());
      toCompress_.pop_front();
    }
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
