// RecordSink: appends records as one gzip member / zstd frame / verbatim each. Records up to
// 16 MiB are compressed in parallel on libuv's pool, within the thread budget every job of
// the sink holds a slot of (thread_budget.h; a gzip record of 1 MiB or more as slices in
// parallel, joined into one member); one writer job at a time then writes them,
// in call order, coalesced into few write() calls. Larger records stream through the
// writer's own compressor so they are never held in memory whole.
#ifndef WARCWIRE_SINK_H_
#define WARCWIRE_SINK_H_

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "compressor.h"
#include "sink_record.h"
#include "thread_budget.h"
#include "util.h"

namespace warcwire {

// State the writer job touches (one at a time); `pool` is shared with compress jobs.
struct SinkFile {
  std::string path;
  CompressorConfig config;
  std::shared_ptr<CompressorPool> pool;
  std::shared_ptr<SliceDeflaterPool> slicePool;  // gzip only
  std::unique_ptr<Compressor> compressor;  // the writer's own, for streamed records
  std::vector<uint8_t> preamble;           // written first to an empty file
  UniqueFd fd;
  std::atomic<uint64_t> size{0};  // end of the last complete member (read by the main thread)
  bool damaged = false;           // a failed write could not be truncated away
  // Who may write next: a write batch, or a compress job whose records are next in call
  // order (it writes them itself, saving a trip through the main thread).
  std::mutex mu;
  bool busy = false;     // a writer is at work (guarded by mu)
  uint64_t nextSeq = 0;  // sequence number of the next job to write (guarded by mu)
};

// JS: new RecordSink(path, {compression, level, dictionary, preamble}); open() -> Promise;
// append(header, block) -> Promise<{offset, length}>; close() -> Promise; size.
class RecordSink : public Napi::ObjectWrap<RecordSink>, private ThreadBudget::Waiter {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit RecordSink(const Napi::CallbackInfo& info);
  ~RecordSink() override;

  using Job = SinkJob;

  void CompressDone(Job* job);
  void WriteDone();

 private:
  class CompressJob;
  class WriteBatch;
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Append(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Enqueue(std::unique_ptr<Job> job);
  void PumpCompress();
  void PumpWrite();
  void OnBudget() override;
  static void Resolve(Napi::Env env, Job* job);

  std::shared_ptr<SinkFile> file_;
  std::shared_ptr<ThreadBudget> budget_;  // every compress job and write batch holds a slot
  std::deque<std::unique_ptr<Job>> queue_;  // call order; the writer takes from the front
  struct Task {
    Job* job;
    size_t slice;  // kWhole, or the index of a slice of a sliced record
  };
  static constexpr size_t kWhole = SIZE_MAX;
  std::deque<Task> toCompress_;             // precompress work not started yet
  size_t compressing_ = 0;
  uint64_t aheadBytes_ = 0;  // input bytes of records compressing or compressed, not yet written
  uint64_t seqs_ = 0;  // next sequence number to hand out
  bool opened_ = false;
  bool closed_ = false;
  uint64_t size_ = 0;  // mirror of file_->size, updated on the main thread
};

}  // namespace warcwire

#endif  // WARCWIRE_SINK_H_
