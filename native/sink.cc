#include "sink.h"

#include "sink_io.h"

#include <algorithm>
#include <cstring>

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
// Gzip records of at least this size are compressed as slices of kSliceBytes in parallel.
constexpr uint64_t kSliceMinRecord = 1024 * 1024;
constexpr uint64_t kSliceBytes = 512 * 1024;
// Bounds one write batch so early appends resolve while a long queue is still being written.
constexpr size_t kMaxBatchJobs = 256;
constexpr uint64_t kMaxBatchBytes = 64ull * 1024 * 1024;

using Job = RecordSink::Job;

// Bytes [from, to) of the record header + block + CRLFCRLF, copied into `out`.
bool GatherRecord(Job* job, uint64_t from, uint64_t to, std::vector<uint8_t>* out, Failure* failure) {
  static const uint8_t kRecordEnd[4] = {'\r', '\n', '\r', '\n'};
  out->resize(static_cast<size_t>(to - from));
  uint8_t* dst = out->data();
  const uint64_t blockStart = job->headerLen;
  const uint64_t blockEnd = blockStart + job->blockLen;
  auto copy = [&](const uint8_t* src, uint64_t start, uint64_t end) {
    uint64_t a = std::max(from, start);
    uint64_t b = std::min(to, end);
    if (a < b) std::memcpy(dst + (a - from), src + (a - start), static_cast<size_t>(b - a));
  };
  copy(job->header, 0, blockStart);
  copy(kRecordEnd, blockEnd, blockEnd + sizeof kRecordEnd);
  uint64_t a = std::max(from, blockStart);
  uint64_t b = std::min(to, blockEnd);
  if (a >= b) return true;
  if (!job->spool) {
    std::memcpy(dst + (a - from), job->block + (a - blockStart), static_cast<size_t>(b - a));
    return true;
  }
  size_t got = 0;
  if (!job->spool->Read(a - blockStart, dst + (a - from), static_cast<size_t>(b - a), &got, failure)) return false;
  if (got != b - a) {
    failure->Set("ERR_SPOOL_IO", "the spool shrank while its record was being written");
    return false;
  }
  return true;
}

uint64_t RecordTotal(const Job* job) { return job->headerLen + job->blockLen + 4; }

// Input bytes of one unit of compress work: a whole record or one slice of it.
uint64_t TaskBytes(const Job* job, size_t slice, size_t whole) {
  return slice == whole ? RecordTotal(job) : std::min<uint64_t>(kSliceBytes, RecordTotal(job) - slice * kSliceBytes);
}

size_t SliceCount(const Job* job) { return static_cast<size_t>((RecordTotal(job) + kSliceBytes - 1) / kSliceBytes); }

// Gzip header + the slices (one deflate stream) + trailer with the combined CRC-32.
void JoinSlices(Job* job, int level) {
  for (Failure& failure : job->sliceFailures) {
    if (failure.failed()) {
      job->failure = failure;
      break;
    }
  }
  if (!job->failure.failed()) {
    size_t size = 18;
    for (const auto& slice : job->slices) size += slice.size();
    job->member.reserve(size);
    AppendGzipHeader(level, &job->member);
    uint32_t crc = job->sliceCrcs[0];
    for (size_t i = 0; i < job->slices.size(); i++) {
      job->member.insert(job->member.end(), job->slices[i].begin(), job->slices[i].end());
      if (i > 0) {
        uint64_t len = std::min<uint64_t>(kSliceBytes, RecordTotal(job) - i * kSliceBytes);
        crc = Crc32Combine(crc, job->sliceCrcs[i], len);
      }
    }
    AppendGzipTrailer(crc, RecordTotal(job), &job->member);
  }
  std::vector<std::vector<uint8_t>>().swap(job->slices);
}

}  // namespace

// Compresses a few records (or slices of a large record) ahead of the writer with
// compressors borrowed from the pools.
class RecordSink::CompressJob : public Napi::AsyncWorker {
 public:
  CompressJob(RecordSink* owner, std::vector<Task> tasks)
      : Napi::AsyncWorker(owner->Env(), "warcwire.compress"),
        keepOwner_(Napi::Persistent(owner->Value())),
        owner_(owner),
        file_(owner->file_),
        tasks_(std::move(tasks)) {}

  void Execute() override {
    Failure failure;
    std::unique_ptr<Compressor> compressor;
    std::unique_ptr<SliceDeflater> deflater;
    std::vector<uint8_t> scratch;
    std::vector<Part> parts;
    for (const Task& task : tasks_) {
      Job* job = task.job;
      if (task.slice != kWhole) {
        CompressSlice(job, task.slice, &deflater, &scratch);
        // acq_rel: the thread joining the slices sees what the other threads wrote.
        if (job->slicesLeft.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          JoinSlices(job, file_->config.level);
          finished_.push_back(job);
        }
        continue;
      }
      finished_.push_back(job);
      if (!compressor && !failure.failed()) compressor = file_->pool->Acquire(&failure);
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
    file_->pool->Release(std::move(compressor));
    if (file_->slicePool) file_->slicePool->Release(std::move(deflater));
    WriteIfNext();
  }

  void OnOK() override {
    for (Job* job : finished_) owner_->CompressDone(job);
    owner_->compressing_--;
    owner_->PumpCompress();
    owner_->PumpWrite();
  }

 private:
  void CompressSlice(Job* job, size_t slice, std::unique_ptr<SliceDeflater>* deflater, std::vector<uint8_t>* scratch) {
    Failure* failure = &job->sliceFailures[slice];
    try {
      if (!*deflater) *deflater = file_->slicePool->Acquire(failure);
      if (!*deflater) return;
      const uint64_t start = slice * kSliceBytes;
      const uint64_t end = std::min<uint64_t>(start + kSliceBytes, RecordTotal(job));
      const uint64_t dictStart = start > SliceDeflater::kWindow ? start - SliceDeflater::kWindow : 0;
      if (!GatherRecord(job, dictStart, end, scratch, failure)) return;
      const uint8_t* data = scratch->data() + (start - dictStart);
      const size_t len = static_cast<size_t>(end - start);
      job->sliceCrcs[slice] = Crc32(0, data, len);
      (*deflater)->Compress(scratch->data(), static_cast<size_t>(start - dictStart), data, len, end == RecordTotal(job),
                            &job->slices[slice], failure);
    } catch (const std::exception& e) {
      failure->Set("ERR_SINK_WRITE", "cannot compress a record: " + std::string(e.what()));
    }
  }

  // Writes the members this job finished when they are the next ones in call order and no
  // other writer is at work; otherwise the main thread hands them to a write batch.
  void WriteIfNext() {
    std::vector<Job*> group;
    {
      std::lock_guard<std::mutex> lock(file_->mu);
      if (file_->busy) return;
      uint64_t seq = file_->nextSeq;
      for (Job* job : finished_) {
        if (job->seq != seq) break;
        group.push_back(job);
        seq++;
      }
      if (group.empty()) return;
      file_->busy = true;
    }
    std::vector<Job*> writable;
    for (Job* job : group) {
      if (!job->failure.failed()) writable.push_back(job);
    }
    try {
      WritePrecompressed(file_.get(), writable);
    } catch (const std::exception& e) {
      for (Job* job : writable) job->failure.Set("ERR_SINK_WRITE", "cannot write to " + file_->path + ": " + e.what());
    }
    // From here the main thread may resolve and free them at any time: forget them first.
    finished_.erase(finished_.begin(), finished_.begin() + static_cast<std::ptrdiff_t>(group.size()));
    std::lock_guard<std::mutex> lock(file_->mu);
    for (Job* job : group) job->written = true;
    file_->nextSeq += group.size();
    file_->busy = false;
  }

  Napi::ObjectReference keepOwner_;  // the JS object outlives the job
  RecordSink* owner_;
  std::shared_ptr<SinkFile> file_;
  std::vector<Task> tasks_;     // jobs owned by the sink's queue until written
  std::vector<Job*> finished_;  // jobs whose member this job completed and did not write itself
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
    std::lock_guard<std::mutex> lock(file_->mu);
    file_->nextSeq += jobs_.size();
    file_->busy = false;
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (auto& job : jobs_) RecordSink::Resolve(env, job.get());
    jobs_.clear();
    owner_->WriteDone();
  }

 private:
  Napi::ObjectReference keepOwner_;  // the JS object outlives the batch
  RecordSink* owner_;
  std::shared_ptr<SinkFile> file_;
  std::vector<std::unique_ptr<Job>> jobs_;
};

Napi::Function RecordSink::Define(Napi::Env env) {
  return DefineClass(env, "RecordSink",
                     {InstanceMethod<&RecordSink::Open>("open"), InstanceMethod<&RecordSink::Append>("append"),
                      InstanceMethod<&RecordSink::Close>("close"), InstanceAccessor<&RecordSink::Size>("size")});
}

RecordSink::RecordSink(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<RecordSink>(info), file_(std::make_shared<SinkFile>()) {
  Napi::Env env = info.Env();
  if (info[0].IsString()) file_->path = info[0].As<Napi::String>().Utf8Value();
  if (file_->path.empty() || file_->path.find('\0') != std::string::npos) {
    ThrowError(env, "ERR_INVALID_ARG", "the record sink path must be a non-empty string without NUL bytes");
    return;
  }
  if (!ParseCompressorConfig(env, info[1], true, &file_->config)) return;
  file_->pool = std::make_shared<CompressorPool>(file_->config);
  if (file_->config.mode == Mode::kGzip && file_->config.level > 0) {
    file_->slicePool = std::make_shared<SliceDeflaterPool>(file_->config.level);
  }
  Napi::Value preamble;
  if (!GetOption(info[1].As<Napi::Object>(), "preamble", &preamble)) return;
  if (!preamble.IsUndefined()) {
    ByteView bytes;
    if (!ReadBytes(env, preamble, "preamble", &bytes, "ERR_INVALID_OPTION")) return;
    file_->preamble.assign(bytes.data, bytes.data + bytes.len);
  }
}

Napi::Value RecordSink::Enqueue(std::unique_ptr<Job> job) {
  Napi::Promise promise = job->deferred.Promise();
  job->seq = seqs_++;
  if (job->precompress && file_->slicePool && RecordTotal(job.get()) >= kSliceMinRecord) {
    size_t count = SliceCount(job.get());
    job->slices.resize(count);
    job->sliceCrcs.resize(count);
    job->sliceFailures.resize(count);
    job->slicesLeft.store(count, std::memory_order_relaxed);
    for (size_t i = 0; i < count; i++) toCompress_.push_back({job.get(), i});
  } else if (job->precompress) {
    toCompress_.push_back({job.get(), kWhole});
  }
  queue_.push_back(std::move(job));
  PumpCompress();
  PumpWrite();
  return promise;
}

void RecordSink::PumpCompress() {
  while (compressing_ < ParallelCompressions() && !toCompress_.empty() &&
         (compressing_ == 0 || aheadBytes_ < kMaxAheadBytes)) {
    std::vector<Task> tasks;
    uint64_t bytes = 0;
    while (!toCompress_.empty() && tasks.size() < kCompressJobRecords && (tasks.empty() || bytes < kCompressJobBytes)) {
      const Task& task = toCompress_.front();
      bytes += TaskBytes(task.job, task.slice, kWhole);
      // The ahead budget counts a record once (PumpWrite gives it back once).
      if (task.slice == kWhole || task.slice == 0) aheadBytes_ += task.job->headerLen + task.job->blockLen;
      tasks.push_back(task);
      toCompress_.pop_front();
    }
    compressing_++;
    (new CompressJob(this, std::move(tasks)))->Queue();
  }
}

void RecordSink::CompressDone(Job* job) { job->compressed = true; }

void RecordSink::Resolve(Napi::Env env, Job* job) {
  std::vector<uint8_t>().swap(job->input);
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

// Resolves what compress jobs wrote themselves, then hands the next ready jobs to a write batch.
void RecordSink::PumpWrite() {
  std::vector<std::unique_ptr<Job>> written;
  std::vector<std::unique_ptr<Job>> batch;
  {
    std::lock_guard<std::mutex> lock(file_->mu);
    // Compress jobs write only the jobs next in order, so the written ones lead the queue.
    while (!queue_.empty() && queue_.front()->written) {
      Job* front = queue_.front().get();
      aheadBytes_ -= front->headerLen + front->blockLen;
      written.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    size_ = file_->size;
    uint64_t bytes = 0;
    while (!file_->busy && !queue_.empty() && batch.size() < kMaxBatchJobs && (batch.empty() || bytes < kMaxBatchBytes)) {
      Job* front = queue_.front().get();
      if (front->precompress && !front->compressed) break;  // order: wait for it
      bytes += front->precompress ? front->member.size() : front->headerLen + front->blockLen;
      if (front->precompress) aheadBytes_ -= front->headerLen + front->blockLen;
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!batch.empty()) file_->busy = true;
  }
  if (!written.empty()) {
    Napi::HandleScope scope(Env());
    for (auto& job : written) Resolve(Env(), job.get());
  }
  if (!batch.empty()) (new WriteBatch(this, std::move(batch)))->Queue();
}

void RecordSink::WriteDone() {
  size_ = file_->size;
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
  ByteView header;
  ByteView block;
  std::shared_ptr<SpoolCore> spool = Spool::CoreOf(info[1]);
  if (!ReadBytes(env, info[0], "append() header", &header) ||
      (!spool && !ReadBytes(env, info[1], "append() block (a Uint8Array or a native Spool)", &block))) {
    job->deferred.Reject(env.GetAndClearPendingException().Value());
    return job->deferred.Promise();
  }
  if (spool && spool->closed()) return reject("ERR_SPOOL_CLOSED", "append() was given a closed spool");
  try {
    job->input.reserve(header.len + block.len);
    job->input.insert(job->input.end(), header.data, header.data + header.len);
    job->input.insert(job->input.end(), block.data, block.data + block.len);
  } catch (const std::bad_alloc&) {
    return reject("ERR_SINK_WRITE", "out of memory copying a record of " + std::to_string(header.len + block.len) +
                                        " bytes for " + file_->path);
  }
  job->header = job->input.data();
  job->headerLen = header.len;
  if (spool) {
    // The record holds the bytes the spool had at this call.
    job->blockLen = spool->size();
    job->spool = std::move(spool);
  } else {
    job->block = job->input.data() + header.len;
    job->blockLen = block.len;
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
