// What RecordSink's jobs carry: an open, an append (a Record) or a close, in call order. A
// Record is header + block + CRLFCRLF, compressed ahead into `member` (whole, or as slices
// joined into one member) or streamed by the writer; the helpers here assemble its bytes.
#ifndef WARCWIRE_SINK_RECORD_H_
#define WARCWIRE_SINK_RECORD_H_

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "compressor.h"
#include "spool.h"
#include "util.h"

namespace warcwire {

inline constexpr uint8_t kRecordEnd[4] = {'\r', '\n', '\r', '\n'};

// A large gzip record compressed as slices: each compressed by whichever thread takes it;
// the thread finishing the last one joins them into the record's member.
struct Slices {
  explicit Slices(size_t count) : parts(count), crcs(count), failures(count), left(count) {}
  std::vector<std::vector<uint8_t>> parts;
  std::vector<uint32_t> crcs;
  std::vector<Failure> failures;
  std::atomic<size_t> left;
};

struct Record {
  // Header and Buffer block, copied at the call: a JS buffer transferred or detached while
  // the job runs would free the bytes under the worker. `header` and `block` point here.
  std::vector<uint8_t> input;
  const uint8_t* header = nullptr;
  size_t headerLen = 0;
  const uint8_t* block = nullptr;  // a Buffer block, or
  size_t blockLen = 0;
  std::shared_ptr<SpoolCore> spool;  // a Spool block (read up to blockLen)
  bool precompress = false;          // compressed ahead by a compress job into `member`
  bool compressed = false;           // set on the main thread when that job is done
  std::vector<uint8_t> member;
  std::unique_ptr<Slices> slices;  // a sliced gzip record only
  uint64_t offset = 0;             // results
  uint64_t length = 0;

  // Bytes of header + block + CRLFCRLF.
  uint64_t Total() const { return headerLen + blockLen + sizeof kRecordEnd; }
  // Header + block bytes: what the sink's read-ahead budget counts.
  uint64_t InputBytes() const { return headerLen + blockLen; }
};

struct OpenRequest {};
struct CloseRequest {};

// One call to open(), append() or close(), with its promise and outcome.
struct SinkJob {
  using Request = std::variant<OpenRequest, Record, CloseRequest>;
  template <typename T>
  SinkJob(Napi::Env env, std::in_place_type_t<T> kind) : request(kind), deferred(Napi::Promise::Deferred::New(env)) {}

  Record* record() { return std::get_if<Record>(&request); }

  Request request;
  Napi::Promise::Deferred deferred;
  Failure failure;
  uint64_t seq = 0;      // call order
  bool written = false;  // written by a compress job; resolved by the main thread (guarded by SinkFile::mu)
};

// Copies `len` block bytes from `at` into `dst` (from the Buffer, or read from the spool).
bool ReadBlock(const Record& record, uint64_t at, uint8_t* dst, size_t len, Failure* failure);
// Bytes [from, to) of header + block + CRLFCRLF, copied into `out`.
bool GatherRecord(const Record& record, uint64_t from, uint64_t to, std::vector<uint8_t>* out, Failure* failure);
// Header, block (spool bytes copied into `scratch`) and CRLFCRLF as the parts of one member.
bool RecordParts(const Record& record, std::vector<uint8_t>* scratch, std::vector<Part>* parts, Failure* failure);

}  // namespace warcwire

#endif  // WARCWIRE_SINK_RECORD_H_
