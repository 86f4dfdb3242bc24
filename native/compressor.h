// Compression of one member at a time: a gzip member, a zstd frame (content size and
// checksum always set, optional dictionary) or verbatim bytes, with state reused between
// members; and a pool of such compressors so independent members compress in parallel.
#ifndef WARCWIRE_COMPRESSOR_H_
#define WARCWIRE_COMPRESSOR_H_

#include <napi.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "pool.h"
#include "util.h"

struct z_stream_s;

namespace warcwire {

class DeflateMember;

enum class Mode { kNone, kGzip, kZstd };

struct CompressorConfig {
  Mode mode = Mode::kNone;
  int level = 0;
  std::vector<uint8_t> dictionary;  // zstd only
};

// The code of a compressor's failure in `mode`: ERR_DEFLATE (gzip) or ERR_ZSTD; for 'none'
// (no library involved) ERR_SINK_WRITE.
const char* CompressionFailureCode(Mode mode);

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
  // A one-call encoder for members whose input is all in memory (gzip: libdeflate), or null.
  virtual DeflateMember* WholeMember() { return nullptr; }

  static std::unique_ptr<Compressor> Create(const CompressorConfig& config, Failure* failure);
};

using Part = std::pair<const uint8_t*, size_t>;

// Compresses the concatenation of `parts` into one member appended to `out`.
bool CompressParts(Compressor* compressor, const std::vector<Part>& parts, std::vector<uint8_t>* out,
                   Failure* failure);

// Compressors of one configuration, shared by worker threads: each member borrows one.
using CompressorPool = Pool<Compressor>;
std::shared_ptr<CompressorPool> MakeCompressorPool(const CompressorConfig& config);

// One slice of a large gzip member, compressed on its own so the slices of one record run in
// parallel (as pigz does): raw deflate primed with the 32 KiB of input before the slice, ended
// with a sync flush (the final block for the last slice), so the slices concatenate into one
// valid deflate stream at the same level. Worker-thread object, reused between slices.
class SliceDeflater {
 public:
  static constexpr size_t kWindow = 32 * 1024;
  explicit SliceDeflater(int level) : level_(level) {}
  ~SliceDeflater();
  SliceDeflater(const SliceDeflater&) = delete;
  SliceDeflater& operator=(const SliceDeflater&) = delete;
  bool Init(Failure* failure);
  // Appends the raw deflate of `data` to `out`; `dict` (at most kWindow bytes) precedes it.
  bool Compress(const uint8_t* dict, size_t dictLen, const uint8_t* data, size_t len, bool last,
                std::vector<uint8_t>* out, Failure* failure);

 private:
  int level_;
  z_stream_s* z_ = nullptr;
};

// SliceDeflaters of one level, shared by worker threads.
using SliceDeflaterPool = Pool<SliceDeflater>;
std::shared_ptr<SliceDeflaterPool> MakeSliceDeflaterPool(int level);

// The 10-byte gzip header zlib writes for `level`, and the trailer (CRC-32, size mod 2^32).
void AppendGzipHeader(int level, std::vector<uint8_t>* out);
void AppendGzipTrailer(uint32_t crc, uint64_t total, std::vector<uint8_t>* out);
uint32_t Crc32(uint32_t crc, const uint8_t* data, size_t len);
uint32_t Crc32Combine(uint32_t first, uint32_t second, uint64_t secondLen);

}  // namespace warcwire

#endif  // WARCWIRE_COMPRESSOR_H_
