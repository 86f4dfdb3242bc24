#include "compressor.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>

namespace warcwire {

namespace {

constexpr size_t kOutChunk = 256 * 1024;
// zlib counts in 32-bit units; feed it at most this much per call.
constexpr size_t kZlibStep = 1u << 30;

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
    if (deflateInit2(&z_, level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      failure->Set("ERR_INVALID_OPTION", "zlib could not start a gzip compressor");
      return false;
    }
    ready_ = true;
    out_.resize(kOutChunk);
    return true;
  }
  bool Begin(uint64_t, Failure* failure) override {
    if (deflateReset(&z_) != Z_OK) {
      failure->Set("ERR_INVALID_OPTION", "zlib could not reset the gzip compressor");
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
        int rc = deflate(&z_, finish ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_ERROR) {
          failure->Set("ERR_INVALID_OPTION", "zlib deflate failed");
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

 private:
  int level_;
  z_stream z_;
  bool ready_ = false;
  std::vector<uint8_t> out_;
};

class ZstdCompressor : public Compressor {
 public:
  bool Init(const CompressorConfig& config, Failure* failure) {
    cctx_.reset(ZSTD_createCCtx());
    if (!cctx_ ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, config.level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_contentSizeFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1))) {
      failure->Set("ERR_INVALID_OPTION", "zstd could not set up a compression context");
      return false;
    }
    if (!config.dictionary.empty()) {
      // Digested once, referenced by every frame.
      cdict_.reset(ZSTD_createCDict(config.dictionary.data(), config.dictionary.size(), config.level));
      if (!cdict_ || ZSTD_isError(ZSTD_CCtx_refCDict(cctx_.get(), cdict_.get()))) {
        failure->Set("ERR_INVALID_OPTION", "zstd rejected the dictionary");
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
      failure->Set("ERR_INVALID_OPTION", std::string("zstd: ") + ZSTD_getErrorName(rc));
      return false;
    }
    return true;
  }
  bool Feed(const uint8_t* data, size_t len, bool last, const Emit& emit, Failure* failure) override {
    ZSTD_inBuffer in = {data, len, 0};
    for (;;) {
      ZSTD_outBuffer out = {out_.data(), out_.size(), 0};
      size_t rc = ZSTD_compressStream2(cctx_.get(), &out, &in, last ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(rc)) {
        failure->Set("ERR_INVALID_OPTION", std::string("zstd: ") + ZSTD_getErrorName(rc));
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

bool ParseCompressorConfig(Napi::Env env, const Napi::Value& value, bool allowNone, CompressorConfig* out) {
  if (!value.IsObject()) {
    ThrowError(env, "ERR_INVALID_OPTION", "options must be an object with a `compression` field");
    return false;
  }
  Napi::Object options = value.As<Napi::Object>();
  Napi::Value compression = options.Get("compression");
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
  Napi::Value dictionary = options.Get("dictionary");
  if (!dictionary.IsUndefined()) {
    if (out->mode != Mode::kZstd) {
      ThrowError(env, "ERR_INVALID_OPTION", "a dictionary can only be used with zstd compression");
      return false;
    }
    if (!dictionary.IsTypedArray()) {
      ThrowError(env, "ERR_INVALID_OPTION", "dictionary must be a Uint8Array");
      return false;
    }
    Napi::TypedArray array = dictionary.As<Napi::TypedArray>();
    const uint8_t* data = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
    out->dictionary.assign(data, data + array.ByteLength());
  }
  return true;
}

bool CompressParts(Compressor* compressor, const std::vector<Part>& parts, std::vector<uint8_t>* out,
                   Failure* failure) {
  uint64_t total = 0;
  for (const auto& part : parts) total += part.second;
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

std::unique_ptr<Compressor> CompressorPool::Acquire(Failure* failure) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      std::unique_ptr<Compressor> compressor = std::move(free_.back());
      free_.pop_back();
      return compressor;
    }
  }
  return Compressor::Create(config_, failure);
}

void CompressorPool::Release(std::unique_ptr<Compressor> compressor) {
  if (!compressor) return;
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(std::move(compressor));
}

size_t ParallelCompressions() {
  // At least 2, at most 3: leaves one of libuv's 4 threads for the sink's writer.
  unsigned cores = std::thread::hardware_concurrency();
  return std::max<size_t>(2, std::min<size_t>(3, cores));
}

}  // namespace warcwire
