#include "compressor.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <string>

#include "fault.h"

#include "deflate_member.h"

namespace warcwire {

namespace {

constexpr size_t kOutChunk = 256 * 1024;
// zlib counts in 32-bit units; feed it at most this much per call.
constexpr size_t kZlibStep = 1u << 30;

// A flush mode zlib rejects (Z_STREAM_ERROR) and an end directive zstd rejects: the
// test-only faults (fault.h) make the libraries themselves fail.
constexpr int kRejectedFlush = 99;
constexpr auto kRejectedEnd = static_cast<ZSTD_EndDirective>(99);

int DeflateFlush(int flush) { return InjectedFault() == Fault::kDeflate ? kRejectedFlush : flush; }
ZSTD_EndDirective ZstdEnd(ZSTD_EndDirective end) { return InjectedFault() == Fault::kZstd ? kRejectedEnd : end; }

// A zlib failure: ERR_NO_MEMORY when zlib could not allocate, else ERR_DEFLATE with its words.
void FailDeflate(Failure* failure, int rc, const char* what, const char* zlibMessage) {
  if (rc == Z_MEM_ERROR) {
    failure->Set("ERR_NO_MEMORY", std::string("out of memory: zlib ") + what);
    return;
  }
  std::string detail = zlibMessage != nullptr ? zlibMessage : rc == Z_STREAM_ERROR ? "stream error" : "error";
  failure->Set("ERR_DEFLATE", std::string("zlib ") + what + " (" + detail + ", code " + std::to_string(rc) + ")");
}

// A zstd failure: ERR_NO_MEMORY when zstd could not allocate, else ERR_ZSTD with its words.
void FailZstd(Failure* failure, size_t rc, const char* what) {
  if (ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation) {
    failure->Set("ERR_NO_MEMORY", std::string("out of memory: zstd ") + what);
    return;
  }
  failure->Set("ERR_ZSTD", std::string("zstd ") + what + " (" + ZSTD_getErrorName(rc) + ")");
}

struct CCtxFree {
  void operator()(ZSTD_CCtx* p) const { ZSTD_freeCCtx(p); }
};
struct CDictFree {
  void operator()(ZSTD_CDict* p) const { ZSTD_freeCDict(p); }
};

// Copies input into one buffer so a small record becomes one write().
class VerbatimCompressor : public Compressor {
 public:
  bool Begin(uint64_t, Failure*) override {
    buf_.clear();
    return true;
  }
  bool Feed(const uint8_t* data, size_t len, bool last, const Emit& emit, Failure*) override {
    if (buf_.size() + len > kOutChunk) {
      if (!buf_.empty() && !emit(buf_.data(), buf_.size())) return false;
      buf_.clear();
      if (len >= kOutChunk) {
        if (!emit(data, len)) return false;
        len = 0;
      }
    }
    buf_.insert(buf_.end(), data, data + len);
    if (last && !buf_.empty()) {
      bool ok = emit(buf_.data(), buf_.size());
      buf_.clear();
      return ok;
    }
    return true;
  }
  size_t Bound(uint64_t total) override { return static_cast<size_t>(total); }

 private:
  std::vector<uint8_t> buf_;
};

class GzipCompressor : public Compressor {
 public:
  explicit GzipCompressor(int level) : level_(level) {}
  ~GzipCompressor() override {
    if (ready_) deflateEnd(&z_);
  }
  bool Init(Failure* failure) {
    std::memset(&z_, 0, sizeof z_);
    // windowBits 15 + 16: a gzip wrapper around the deflate stream.
    int rc = deflateInit2(&z_, level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) {
      FailDeflate(failure, rc, "could not start a gzip compressor", z_.msg);
      return false;
    }
    ready_ = true;
    out_.resize(kOutChunk);
    if (level_ > 0) whole_ = std::make_unique<DeflateMember>(level_);  // level 0 stays zlib's stored blocks
    return true;
  }
  bool Begin(uint64_t, Failure* failure) override {
    int rc = deflateReset(&z_);
    if (rc != Z_OK) {
      FailDeflate(failure, rc, "could not reset the gzip compressor", z_.msg);
      return false;
    }
    return true;
  }
  bool Feed(const uint8_t* data, size_t len, bool last, const Emit& emit, Failure* failure) override {
    do {
      size_t step = len < kZlibStep ? len : kZlibStep;
      bool finish = last && step == len;
      z_.next_in = const_cast<Bytef*>(data);
      z_.avail_in = static_cast<uInt>(step);
      for (;;) {
        z_.next_out = out_.data();
        z_.avail_out = static_cast<uInt>(out_.size());
        int rc = deflate(&z_, DeflateFlush(finish ? Z_FINISH : Z_NO_FLUSH));
        if (rc == Z_STREAM_ERROR) {
          FailDeflate(failure, rc, "deflate failed", z_.msg);
          return false;
        }
        size_t produced = out_.size() - z_.avail_out;
        if (produced > 0 && !emit(out_.data(), produced)) return false;
        if (finish ? rc == Z_STREAM_END : (z_.avail_in == 0 && z_.avail_out != 0)) break;
      }
      data += step;
      len -= step;
    } while (len > 0);
    return true;
  }
  size_t Bound(uint64_t total) override { return deflateBound(&z_, static_cast<uLong>(total)); }
  DeflateMember* WholeMember() override { return whole_.get(); }

 private:
  int level_;
  z_stream z_;
  bool ready_ = false;
  std::vector<uint8_t> out_;
  std::unique_ptr<DeflateMember> whole_;
};

class ZstdCompressor : public Compressor {
 public:
  bool Init(const CompressorConfig& config, Failure* failure) {
    cctx_.reset(ZSTD_createCCtx());
    if (!cctx_) {
      failure->Set("ERR_NO_MEMORY", "out of memory: zstd could not create a compression context");
      return false;
    }
    size_t rc = ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, config.level);
    if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_contentSizeFlag, 1);
    if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1);
    if (ZSTD_isError(rc)) {
      FailZstd(failure, rc, "could not set up a compression context");
      return false;
    }
    if (!config.dictionary.empty()) {
      // Digested once, referenced by every frame.
      cdict_.reset(ZSTD_createCDict(config.dictionary.data(), config.dictionary.size(), config.level));
      if (!cdict_) {
        failure->Set("ERR_NO_MEMORY", "out of memory: zstd could not digest the dictionary");
        return false;
      }
      rc = ZSTD_CCtx_refCDict(cctx_.get(), cdict_.get());
      if (ZSTD_isError(rc)) {
        FailZstd(failure, rc, "rejected the dictionary");
        return false;
      }
    }
    out_.resize(kOutChunk);
    return true;
  }
  bool Begin(uint64_t total, Failure* failure) override {
    size_t rc = ZSTD_CCtx_reset(cctx_.get(), ZSTD_reset_session_only);
    if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setPledgedSrcSize(cctx_.get(), total);
    if (ZSTD_isError(rc)) {
      FailZstd(failure, rc, "could not start a frame");
      return false;
    }
    return true;
  }
  bool Feed(const uint8_t* data, size_t len, bool last, const Emit& emit, Failure* failure) override {
    ZSTD_inBuffer in = {data, len, 0};
    for (;;) {
      ZSTD_outBuffer out = {out_.data(), out_.size(), 0};
      size_t rc = ZSTD_compressStream2(cctx_.get(), &out, &in, ZstdEnd(last ? ZSTD_e_end : ZSTD_e_continue));
      if (ZSTD_isError(rc)) {
        FailZstd(failure, rc, "compression failed");
        return false;
      }
      if (out.pos > 0 && !emit(out_.data(), out.pos)) return false;
      if (last ? rc == 0 : in.pos == in.size) break;
    }
    return true;
  }
  size_t Bound(uint64_t total) override { return ZSTD_compressBound(static_cast<size_t>(total)); }

 private:
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx_;
  std::unique_ptr<ZSTD_CDict, CDictFree> cdict_;
  std::vector<uint8_t> out_;
};

}  // namespace

std::unique_ptr<Compressor> Compressor::Create(const CompressorConfig& config, Failure* failure) {
  switch (config.mode) {
    case Mode::kNone:
      return std::make_unique<VerbatimCompressor>();
    case Mode::kGzip: {
      auto gzip = std::make_unique<GzipCompressor>(config.level);
      if (!gzip->Init(failure)) return nullptr;
      return gzip;
    }
    case Mode::kZstd: {
      auto zstd = std::make_unique<ZstdCompressor>();
      if (!zstd->Init(config, failure)) return nullptr;
      return zstd;
    }
  }
  return nullptr;
}

const char* CompressionFailureCode(Mode mode) {
  switch (mode) {
    case Mode::kGzip: return "ERR_DEFLATE";
    case Mode::kZstd: return "ERR_ZSTD";
    case Mode::kNone: break;
  }
  return "ERR_SINK_WRITE";
}

bool ParseCompressorConfig(Napi::Env env, const Napi::Value& value, bool allowNone, CompressorConfig* out) {
  if (!value.IsObject()) {
    ThrowError(env, "ERR_INVALID_OPTION", "options must be an object with a `compression` field");
    return false;
  }
  Napi::Object options = value.As<Napi::Object>();
  Napi::Value compression;
  if (!GetOption(options, "compression", &compression)) return false;
  std::string name = compression.IsString() ? compression.As<Napi::String>().Utf8Value() : "";
  int64_t level = 0;
  if (name == "gzip") {
    out->mode = Mode::kGzip;
    if (!ReadIntOption(env, options, "level", 0, 9, 6, &level)) return false;
  } else if (name == "zstd") {
    out->mode = Mode::kZstd;
    if (!ReadIntOption(env, options, "level", 1, ZSTD_maxCLevel(), 3, &level)) return false;
  } else if (name == "none" && allowNone) {
    out->mode = Mode::kNone;
  } else {
    ThrowError(env, "ERR_INVALID_OPTION",
               std::string("compression must be 'gzip'") + (allowNone ? ", 'zstd' or 'none'" : " or 'zstd'") +
                   ", got '" + name + "'");
    return false;
  }
  out->level = static_cast<int>(level);
  Napi::Value dictionary;
  if (!GetOption(options, "dictionary", &dictionary)) return false;
  if (!dictionary.IsUndefined()) {
    if (out->mode != Mode::kZstd) {
      ThrowError(env, "ERR_INVALID_OPTION", "a dictionary can only be used with zstd compression");
      return false;
    }
    ByteView bytes;
    if (!ReadBytes(env, dictionary, "dictionary", &bytes, "ERR_INVALID_OPTION")) return false;
    out->dictionary.assign(bytes.data, bytes.data + bytes.len);
  }
  return true;
}

bool CompressParts(Compressor* compressor, const std::vector<Part>& parts, std::vector<uint8_t>* out,
                   Failure* failure) {
  if (DeflateMember* whole = compressor->WholeMember()) return whole->Compress(parts, out, failure);
  uint64_t total = 0;
  for (const auto& part : parts) total += part.second;
  InjectAllocFault();
  out->reserve(out->size() + compressor->Bound(total));
  Emit emit = [out](const uint8_t* data, size_t len) {
    out->insert(out->end(), data, data + len);
    return true;
  };
  if (!compressor->Begin(total, failure)) return false;
  static const uint8_t kNothing = 0;
  if (parts.empty()) return compressor->Feed(&kNothing, 0, true, emit, failure);
  for (size_t i = 0; i < parts.size(); i++) {
    if (!compressor->Feed(parts[i].first, parts[i].second, i + 1 == parts.size(), emit, failure)) return false;
  }
  return true;
}

std::shared_ptr<CompressorPool> MakeCompressorPool(const CompressorConfig& config) {
  return std::make_shared<CompressorPool>([config](Failure* failure) { return Compressor::Create(config, failure); });
}

SliceDeflater::~SliceDeflater() {
  if (z_ != nullptr) {
    deflateEnd(z_);
    delete z_;
  }
}

bool SliceDeflater::Init(Failure* failure) {
  z_ = new z_stream();
  // Negative windowBits: raw deflate, the gzip wrapper is written around the joined slices.
  int rc = deflateInit2(z_, level_, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) {
    FailDeflate(failure, rc, "could not start a deflate compressor", z_->msg);
    delete z_;
    z_ = nullptr;
    return false;
  }
  return true;
}

bool SliceDeflater::Compress(const uint8_t* dict, size_t dictLen, const uint8_t* data, size_t len, bool last,
                             std::vector<uint8_t>* out, Failure* failure) {
  int rc = deflateReset(z_);
  if (rc == Z_OK && dictLen > 0) rc = deflateSetDictionary(z_, dict, static_cast<uInt>(dictLen));
  if (rc != Z_OK) {
    FailDeflate(failure, rc, "could not prepare a deflate slice", z_->msg);
    return false;
  }
  InjectAllocFault();
  size_t start = out->size();
  out->resize(start + deflateBound(z_, static_cast<uLong>(len)) + 16);
  z_->next_in = const_cast<Bytef*>(data);
  z_->avail_in = static_cast<uInt>(len);
  const int flush = DeflateFlush(last ? Z_FINISH : Z_SYNC_FLUSH);
  for (;;) {
    size_t used = start + z_->total_out;
    if (used == out->size()) out->resize(out->size() + 64 * 1024);
    z_->next_out = out->data() + used;
    z_->avail_out = static_cast<uInt>(out->size() - used);
    rc = deflate(z_, flush);
    if (rc == Z_STREAM_ERROR) {
      FailDeflate(failure, rc, "deflate failed", z_->msg);
      return false;
    }
    // Done when the final block is out, or (sync flush) when input is used up with room left.
    if (last ? rc == Z_STREAM_END : (z_->avail_in == 0 && z_->avail_out != 0)) break;
  }
  out->resize(start + z_->total_out);
  return true;
}

std::shared_ptr<SliceDeflaterPool> MakeSliceDeflaterPool(int level) {
  return std::make_shared<SliceDeflaterPool>([level](Failure* failure) {
    auto deflater = std::make_unique<SliceDeflater>(level);
    if (!deflater->Init(failure)) deflater.reset();
    return deflater;
  });
}

namespace {

// The OS byte node's zlib writes: its build's OS_CODE (3 on Unix, 10 on Windows, 19 on macOS),
// read once from a gzip stream it makes. 3 if zlib cannot start (out of memory).
uint8_t ZlibOsByte() {
  static const uint8_t os = [] {
    uint8_t byte = 3;
    z_stream z;
    std::memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 1, Z_DEFAULT_STRATEGY) == Z_OK) {
      uint8_t stream[32];
      z.next_out = stream;
      z.avail_out = sizeof stream;
      if (deflate(&z, Z_FINISH) == Z_STREAM_END) byte = stream[9];
      deflateEnd(&z);
    }
    return byte;
  }();
  return os;
}

}  // namespace

void AppendGzipHeader(int level, std::vector<uint8_t>* out) {
  // As deflate() writes it: no name, no mtime, XFL from the level, zlib's OS byte.
  const uint8_t xfl = level == 9 ? 2 : level < 2 ? 4 : 0;
  const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, ZlibOsByte()};
  out->insert(out->end(), header, header + sizeof header);
}

void AppendGzipTrailer(uint32_t crc, uint64_t total, std::vector<uint8_t>* out) {
  const uint32_t size = static_cast<uint32_t>(total);
  for (int i = 0; i < 4; i++) out->push_back(static_cast<uint8_t>(crc >> (8 * i)));
  for (int i = 0; i < 4; i++) out->push_back(static_cast<uint8_t>(size >> (8 * i)));
}

uint32_t Crc32(uint32_t crc, const uint8_t* data, size_t len) {
  while (len > 0) {
    size_t step = len < kZlibStep ? len : kZlibStep;
    crc = static_cast<uint32_t>(crc32(crc, data, static_cast<uInt>(step)));
    data += step;
    len -= step;
  }
  return crc;
}

namespace {

// CRC-32 arithmetic in GF(2)[x] modulo the (bit-reflected) CRC polynomial, so the CRC of
// A||B follows from crc(A), crc(B) and |B| without the bytes: crc(A) * x^(8|B|) + crc(B).
constexpr uint32_t kCrcPoly = 0xedb88320u;

uint32_t MulModPoly(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t bit = 1u << 31; bit != 0; bit >>= 1) {
    if (a & bit) product ^= b;
    b = (b & 1) ? (b >> 1) ^ kCrcPoly : b >> 1;  // b *= x
  }
  return product;
}

// x^(8 * bytes) modulo the polynomial, by squaring (x^1 is 1 << 30 in reflected form).
uint32_t ShiftFor(uint64_t bytes) {
  uint32_t result = 1u << 31;  // x^0
  uint32_t square = 1u << 30;  // x^(2^0)
  uint64_t bits = bytes * 8;
  while (bits != 0) {
    if (bits & 1) result = MulModPoly(square, result);
    square = MulModPoly(square, square);
    bits >>= 1;
  }
  return result;
}

}  // namespace

uint32_t Crc32Combine(uint32_t first, uint32_t second, uint64_t secondLen) {
  return MulModPoly(ShiftFor(secondLen), first) ^ second;
}

}  // namespace warcwire
