#include "member.h"

#include <cstring>
#include <limits>
#include <string>

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

// ---- MemberEncoder --------------------------------------------------------

// Encodes every job queued when it started, on libuv's pool.
class MemberEncoder::Batch : public Napi::AsyncWorker {
 public:
  Batch(MemberEncoder* owner, std::deque<std::unique_ptr<Job>> jobs)
      : Napi::AsyncWorker(owner->Env(), "warcwire.encode"),
        keepOwner_(Napi::Persistent(owner->Value())),
        owner_(owner),
        config_(owner->config_),
        compressor_(owner->compressor_),
        jobs_(std::move(jobs)) {}

  void Execute() override {
    for (auto& job : jobs_) {
      try {
        EncodeOne(job.get());
      } catch (const std::exception& e) {
        job->output.clear();
        job->failure.Set("ERR_INVALID_OPTION", std::string("encoding failed: ") + e.what());
      }
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (auto& job : jobs_) {
      if (job->failure.failed()) {
        job->deferred.Reject(MakeError(env, job->failure).Value());
      } else {
        auto* bytes = new std::vector<uint8_t>(std::move(job->output));
        Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::NewOrCopy(
            env, bytes->data(), bytes->size(),
            [](Napi::Env, uint8_t*, std::vector<uint8_t>* hint) { delete hint; }, bytes);
        job->deferred.Resolve(buffer);
      }
      job->keep.clear();
    }
    owner_->BatchDone();
  }

 private:
  Napi::ObjectReference keepOwner_;  // the JS object outlives the batch
  void EncodeOne(Job* job) {
    std::unique_ptr<Compressor>& compressor = *compressor_;
    if (!compressor) {
      compressor = Compressor::Create(config_, &job->failure);
      if (!compressor) return;
    }
    uint64_t total = 0;
    for (const auto& part : job->parts) total += part.second;
    std::vector<uint8_t>& out = job->output;
    out.reserve(compressor->Bound(total));
    Emit emit = [&out](const uint8_t* data, size_t len) {
      out.insert(out.end(), data, data + len);
      return true;
    };
    if (!compressor->Begin(total, &job->failure)) return;
    static const uint8_t kNothing = 0;
    if (job->parts.empty()) {
      compressor->Feed(&kNothing, 0, true, emit, &job->failure);
      return;
    }
    for (size_t i = 0; i < job->parts.size(); i++) {
      const auto& part = job->parts[i];
      if (!compressor->Feed(part.first, part.second, i + 1 == job->parts.size(), emit, &job->failure)) return;
    }
  }

  MemberEncoder* owner_;
  const CompressorConfig& config_;
  std::shared_ptr<std::unique_ptr<Compressor>> compressor_;
  std::deque<std::unique_ptr<Job>> jobs_;
};

Napi::Function MemberEncoder::Define(Napi::Env env) {
  return DefineClass(env, "MemberEncoder",
                     {InstanceMethod<&MemberEncoder::Encode>("encode"),
                      InstanceMethod<&MemberEncoder::Close>("close")});
}

MemberEncoder::MemberEncoder(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<MemberEncoder>(info),
      compressor_(std::make_shared<std::unique_ptr<Compressor>>()) {
  ParseCompressorConfig(info.Env(), info.Length() > 0 ? info[0] : info.Env().Undefined(), false, &config_);
}

Napi::Value MemberEncoder::Encode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<Job>(env);
  Napi::Promise promise = job->deferred.Promise();
  if (closed_) {
    job->deferred.Reject(MakeError(env, "ERR_INVALID_OPTION", "encode() called after close()").Value());
    return promise;
  }
  if (info.Length() < 1 || !info[0].IsArray()) {
    job->deferred.Reject(MakeError(env, "ERR_INVALID_OPTION", "encode() takes an array of Uint8Array").Value());
    return promise;
  }
  Napi::Array parts = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < parts.Length(); i++) {
    Napi::Value part = parts.Get(i);
    if (!part.IsTypedArray()) {
      job->deferred.Reject(MakeError(env, "ERR_INVALID_OPTION", "encode() takes an array of Uint8Array").Value());
      return promise;
    }
    Napi::TypedArray array = part.As<Napi::TypedArray>();
    const uint8_t* data = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
    job->parts.emplace_back(data, array.ByteLength());
    job->keep.push_back(Napi::Persistent(part));
  }
  pending_.push_back(std::move(job));
  StartNext();
  return promise;
}

void MemberEncoder::StartNext() {
  if (running_ || pending_.empty()) return;
  running_ = true;
  (new Batch(this, std::move(pending_)))->Queue();
  pending_.clear();
}

void MemberEncoder::BatchDone() {
  running_ = false;
  StartNext();
}

Napi::Value MemberEncoder::Close(const Napi::CallbackInfo& info) {
  // Pending batches keep their own reference to the compressor and finish normally;
  // dropping ours frees the compressor once they are done.
  closed_ = true;
  compressor_ = std::make_shared<std::unique_ptr<Compressor>>();
  return info.Env().Undefined();
}

}  // namespace warcwire
