#include "sink.h"

#include "sink_io.h"

#include <algorithm>

#include "guard.h"

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
// Gzip records of at least this size are compressed as slices of kSliceBytes in parallel (zlib);
// smaller ones whole by libdeflate, which on the bench corpora costs about half zlib's CPU, so
// below this size whole records on parallel jobs beat slices for throughput.
constexpr uint64_t kSliceMinRecord = 8 * 1024 * 1024;
constexpr uint64_t kSliceBytes = 512 * 1024;
// Bounds one write batch so early appends resolve while a long queue is still being written.
constexpr size_t kMaxBatchJobs = 256;
constexpr uint64_t kMaxBatchBytes = 64ull * 1024 * 1024;

using Job = RecordSink::Job;

// Input bytes of one unit of compress work: a whole record or one slice of it.
uint64_t TaskBytes(const Record& record, size_t slice, size_t whole) {
  return slice == whole ? record.Total() : std::min<uint64_t>(kSliceBytes, record.Total() - slice * kSliceBytes);
}

size_t SliceCount(const Record& record) { return static_cast<size_t>((record.Total() + kSliceBytes - 1) / kSliceBytes); }

// Gzip header + the slices (one deflate stream) + trailer with the combined CRC-32.
void JoinSlices(Job* job, int level) {
  Record& record = *job->record();
  Slices& slices = *record.slices;
  for (Failure& failure : slices.failures) {
    if (failure.failed()) {
      job->failure = failure;
      break;
    }
  }
  if (!job->failure.failed()) {
    Guarded(&job->failure, "ERR_DEFLATE", "joining the slices of a record", [&] {
      size_t size = 18;
      for (const auto& part : slices.parts) size += part.size();
      record.member.reserve(size);
      AppendGzipHeader(level, &record.member);
      uint32_t crc = slices.crcs[0];
      for (size_t i = 0; i < slices.parts.size(); i++) {
        record.member.insert(record.member.end(), slices.parts[i].begin(), slices.parts[i].end());
        if (i > 0) crc = Crc32Combine(crc, slices.crcs[i], std::min<uint64_t>(kSliceBytes, record.Total() - i * kSliceBytes));
      }
      AppendGzipTrailer(crc, record.Total(), &record.member);
    });
  }
  record.slices.reset();
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
        tasks_(std::move(tasks)) {
    // Reserved here, so the worker never allocates to remember what it finished.
    finished_.reserve(tasks_.size());
  }

  void Execute() override {
    // What any other exception thrown while compressing is: the compressor's failure.
    const char* failCode = CompressionFailureCode(file_->config.mode);
    Failure failure;
    std::unique_ptr<Compressor> compressor;
    std::unique_ptr<SliceDeflater> deflater;
    std::vector<uint8_t> scratch;
    std::vector<Part> parts;
    for (const Task& task : tasks_) {
      Job* job = task.job;
      Record& record = *job->record();
      if (task.slice != kWhole) {
        Guarded(&record.slices->failures[task.slice], failCode, "compressing a slice of a record",
                [&] { CompressSlice(record, task.slice, &deflater, &scratch); });
        // acq_rel: the thread joining the slices sees what the other threads wrote.
        if (record.slices->left.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          JoinSlices(job, file_->config.level);
          finished_.push_back(job);
        }
        continue;
      }
      finished_.push_back(job);
      if (!compressor && !failure.failed()) {
        Guarded(&failure, failCode, "setting up a compressor", [&] { compressor = file_->pool->Acquire(&failure); });
      }
      if (!compressor) {
        job->failure = failure;
        continue;
      }
      bool ok = Guarded(&job->failure, failCode, "compressing a record", [&] {
        if (!RecordParts(record, &scratch, &parts, &job->failure)) return;
        CompressParts(compressor.get(), parts, &record.member, &job->failure);
      });
      if (!ok || job->failure.failed()) std::vector<uint8_t>().swap(record.member);
    }
    file_->pool->Release(std::move(compressor));
    if (file_->slicePool) file_->slicePool->Release(std::move(deflater));
    WriteIfNext();
  }

  void OnOK() override {
    for (Job* job : finished_) owner_->CompressDone(job);
    owner_->compressing_--;
    owner_->budget_->Release();
    owner_->PumpCompress();
    owner_->PumpWrite();
  }

 private:
  void CompressSlice(Record& record, size_t slice, std::unique_ptr<SliceDeflater>* deflater, std::vector<uint8_t>* scratch) {
    Failure* failure = &record.slices->failures[slice];
    if (!*deflater) *deflater = file_->slicePool->Acquire(failure);
    if (!*deflater) return;
    const uint64_t start = slice * kSliceBytes;
    const uint64_t end = std::min<uint64_t>(start + kSliceBytes, record.Total());
    const uint64_t dictStart = start > SliceDeflater::kWindow ? start - SliceDeflater::kWindow : 0;
    if (!GatherRecord(record, dictStart, end, scratch, failure)) return;
    const uint8_t* data = scratch->data() + (start - dictStart);
    const size_t len = static_cast<size_t>(end - start);
    record.slices->crcs[slice] = Crc32(0, data, len);
    (*deflater)->Compress(scratch->data(), static_cast<size_t>(start - dictStart), data, len, end == record.Total(),
                          &record.slices->parts[slice], failure);
  }

  // Writes the members this job finished when they are the next ones in call order and no
  // other writer is at work; otherwise the main thread hands them to a write batch.
  void WriteIfNext() {
    size_t count = 0;
    {
      std::lock_guard<std::mutex> lock(file_->mu);
      if (file_->busy) return;
      uint64_t seq = file_->nextSeq;
      while (count < finished_.size() && finished_[count]->seq == seq) {
        count++;
        seq++;
      }
      if (count == 0) return;
      file_->busy = true;
    }
    std::vector<Job*> writable;
    bool ok = Guarded(&writeFailure_, "ERR_SINK_WRITE", "writing records", [&] {
      for (size_t i = 0; i < count; i++) {
        if (!finished_[i]->failure.failed()) writable.push_back(finished_[i]);
      }
      WritePrecompressed(file_.get(), writable);
    });
    if (!ok) {
      for (size_t i = 0; i < count; i++) {
        if (!finished_[i]->failure.failed()) finished_[i]->failure = writeFailure_;
      }
    }
    // From here the main thread may resolve and free them at any time: forget them first.
    std::lock_guard<std::mutex> lock(file_->mu);
    for (size_t i = 0; i < count; i++) finished_[i]->written = true;
    finished_.erase(finished_.begin(), finished_.begin() + static_cast<std::ptrdiff_t>(count));
    file_->nextSeq += count;
    file_->busy = false;
  }

  Napi::ObjectReference keepOwner_;  // the JS object outlives the job
  RecordSink* owner_;
  std::shared_ptr<SinkFile> file_;
  std::vector<Task> tasks_;     // jobs owned by the sink's queue until written
  std::vector<Job*> finished_;  // jobs whose member this job completed and did not write itself
  Failure writeFailure_;
};

// Runs the jobs at the front of the queue, in order: open, writes, close.
class RecordSink::WriteBatch : public Napi::AsyncWorker {
 public:
  WriteBatch(RecordSink* owner, std::vector<std::unique_ptr<Job>> jobs)
      : Napi::AsyncWorker(owner->Env(), "warcwire.write"),
        keepOwner_(Napi::Persistent(owner->Value())),
        owner_(owner),
        file_(owner->file_),
        jobs_(std::move(jobs)) {
    // Reserved here, so the worker never allocates to group the members it writes.
    group_.reserve(jobs_.size());
  }

  void Execute() override {
    for (auto& job : jobs_) {
      Guarded(&job->failure, "ERR_SINK_WRITE", "writing a record", [&] { Run(job.get()); });
    }
    WriteGroup();
    std::lock_guard<std::mutex> lock(file_->mu);
    file_->nextSeq += jobs_.size();
    file_->busy = false;
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (auto& job : jobs_) RecordSink::Resolve(env, job.get());
    jobs_.clear();
    owner_->budget_->Release();
    owner_->WriteDone();
  }

 private:
  // Members compressed ahead are grouped into one writev; anything else writes the group first.
  void Run(Job* job) {
    if (Record* record = job->record(); record != nullptr && record->precompress) {
      if (!job->failure.failed()) group_.push_back(job);
      return;
    }
    WriteGroup();
    if (std::holds_alternative<OpenRequest>(job->request)) OpenFile(file_.get(), &job->failure);
    else if (std::holds_alternative<CloseRequest>(job->request)) CloseFile(file_.get(), &job->failure);
    else AppendStreamed(file_.get(), job);
  }

  void WriteGroup() {
    Failure failure;
    if (!Guarded(&failure, "ERR_SINK_WRITE", "writing records", [&] { WritePrecompressed(file_.get(), group_); })) {
      for (Job* job : group_) job->failure = failure;
    }
    group_.clear();
  }

  Napi::ObjectReference keepOwner_;  // the JS object outlives the batch
  RecordSink* owner_;
  std::shared_ptr<SinkFile> file_;
  std::vector<std::unique_ptr<Job>> jobs_;
  std::vector<Job*> group_;  // members compressed ahead, waiting to be written together
};

Napi::Function RecordSink::Define(Napi::Env env) {
  return DefineClass(env, "RecordSink",
                     {InstanceMethod<&RecordSink::Open>("open"), InstanceMethod<&RecordSink::Append>("append"),
                      InstanceMethod<&RecordSink::Close>("close"), InstanceAccessor<&RecordSink::Size>("size")});
}

RecordSink::RecordSink(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<RecordSink>(info), file_(std::make_shared<SinkFile>()), budget_(ThreadBudget::Of(info.Env())) {
  Napi::Env env = info.Env();
  if (info[0].IsString()) file_->path = info[0].As<Napi::String>().Utf8Value();
  if (file_->path.empty() || file_->path.find('\0') != std::string::npos) {
    ThrowError(env, "ERR_INVALID_ARG", "the record sink path must be a non-empty string without NUL bytes");
    return;
  }
  if (!ParseCompressorConfig(env, info[1], true, &file_->config)) return;
  file_->pool = MakeCompressorPool(file_->config);
  if (file_->config.mode == Mode::kGzip && file_->config.level > 0) file_->slicePool = MakeSliceDeflaterPool(file_->config.level);
  Napi::Value preamble;
  if (!GetOption(info[1].As<Napi::Object>(), "preamble", &preamble)) return;
  if (!preamble.IsUndefined()) {
    ByteView bytes;
    if (!ReadBytes(env, preamble, "preamble", &bytes, "ERR_INVALID_OPTION")) return;
    file_->preamble.assign(bytes.data, bytes.data + bytes.len);
  }
}

RecordSink::~RecordSink() { budget_->Forget(this); }

Napi::Value RecordSink::Enqueue(std::unique_ptr<Job> job) {
  Napi::Promise promise = job->deferred.Promise();
  job->seq = seqs_++;
  Record* record = job->record();
  if (record != nullptr && record->precompress && file_->slicePool && record->Total() >= kSliceMinRecord) {
    size_t count = SliceCount(*record);
    record->slices = std::make_unique<Slices>(count);
    for (size_t i = 0; i < count; i++) toCompress_.push_back({job.get(), i});
  } else if (record != nullptr && record->precompress) {
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
    if (!budget_->TryAcquire()) {
      budget_->Wait(this, Value());
      return;
    }
    std::vector<Task> tasks;
    uint64_t bytes = 0;
    while (!toCompress_.empty() && tasks.size() < kCompressJobRecords && (tasks.empty() || bytes < kCompressJobBytes)) {
      const Task& task = toCompress_.front();
      const Record& record = *task.job->record();
      bytes += TaskBytes(record, task.slice, kWhole);
      // The ahead budget counts a record once (PumpWrite gives it back once).
      if (task.slice == kWhole || task.slice == 0) aheadBytes_ += record.InputBytes();
      tasks.push_back(task);
      toCompress_.pop_front();
    }
    compressing_++;
    (new CompressJob(this, std::move(tasks)))->Queue();
  }
}

void RecordSink::OnBudget() {
  PumpCompress();
  PumpWrite();
}

void RecordSink::CompressDone(Job* job) { job->record()->compressed = true; }

void RecordSink::Resolve(Napi::Env env, Job* job) {
  Record* record = job->record();
  if (record != nullptr) {
    std::vector<uint8_t>().swap(record->input);
    record->spool.reset();
  }
  if (job->failure.failed()) {
    job->deferred.Reject(MakeError(env, job->failure).Value());
  } else if (record != nullptr) {
    Napi::Object result = Napi::Object::New(env);
    result.Set("offset", Napi::Number::New(env, static_cast<double>(record->offset)));
    result.Set("length", Napi::Number::New(env, static_cast<double>(record->length)));
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
      aheadBytes_ -= queue_.front()->record()->InputBytes();
      written.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    size_ = file_->size;
    uint64_t bytes = 0;
    bool slot = false;
    while (!file_->busy && !queue_.empty() && batch.size() < kMaxBatchJobs && (batch.empty() || bytes < kMaxBatchBytes)) {
      const Record* front = queue_.front()->record();
      const bool ahead = front != nullptr && front->precompress;
      if (ahead && !front->compressed) break;  // order: wait for it
      if (!slot && !(slot = budget_->TryAcquire())) {
        budget_->Wait(this, Value());
        break;
      }
      bytes += ahead ? front->member.size() : front != nullptr ? front->InputBytes() : 0;
      if (ahead) aheadBytes_ -= front->InputBytes();
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
  auto job = std::make_unique<Job>(env, std::in_place_type<OpenRequest>);
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
  auto job = std::make_unique<Job>(env, std::in_place_type<Record>);
  Record& record = *job->record();
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
    record.input.reserve(header.len + block.len);
    record.input.insert(record.input.end(), header.data, header.data + header.len);
    record.input.insert(record.input.end(), block.data, block.data + block.len);
  } catch (const std::bad_alloc&) {
    return reject("ERR_NO_MEMORY", "out of memory copying a record of " + std::to_string(header.len + block.len) +
                                       " bytes for " + file_->path);
  }
  record.header = record.input.data();
  record.headerLen = header.len;
  if (spool) {
    // The record holds the bytes the spool had at this call.
    record.blockLen = spool->size();
    record.spool = std::move(spool);
  } else {
    record.block = record.input.data() + header.len;
    record.blockLen = block.len;
  }
  record.precompress = file_->config.mode != Mode::kNone && record.InputBytes() <= kPrecompressLimit;
  return Enqueue(std::move(job));
}

Napi::Value RecordSink::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  closed_ = true;
  return Enqueue(std::make_unique<Job>(env, std::in_place_type<CloseRequest>));
}

Napi::Value RecordSink::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(size_));
}

}  // namespace warcwire
