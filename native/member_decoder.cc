#include "member_decoder.h"

#include <cstring>
#include <string>

#include "fault.h"
#include "util.h"

namespace warcwire {

namespace {
constexpr size_t kZlibStep = 1u << 30;
constexpr size_t kChunk = 128 * 1024;
// Most output one write() returns; equals MAX_DECODE_OUTPUT in src/backend/types.ts.
constexpr size_t kMaxOutput = 1u << 20;
// Largest zstd window accepted (128 MiB, zstd's default limit, made explicit): a frame that
// declares a larger window or single-segment content size is refused instead of allocated.
constexpr int kZstdWindowLogMax = 27;

// Room left for output in this call, at most one chunk.
size_t Room(const std::vector<uint8_t>& out, size_t chunk) {
  size_t left = kMaxOutput - out.size();
  return left < chunk ? left : chunk;
}
}  // namespace

Napi::Function MemberDecoder::Define(Napi::Env env) {
  return DefineClass(env, "MemberDecoder",
                     {InstanceMethod<&MemberDecoder::Write>("write"),
                      InstanceMethod<&MemberDecoder::Reset>("reset"),
                      InstanceMethod<&MemberDecoder::Close>("close")});
}

MemberDecoder::MemberDecoder(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MemberDecoder>(info) {
  Napi::Env env = info.Env();
  std::memset(&z_, 0, sizeof z_);
  if (info.Length() < 1 || !info[0].IsObject()) {
    ThrowError(env, "ERR_INVALID_OPTION", "options must be an object with a `compression` field");
    return;
  }
  Napi::Object options = info[0].As<Napi::Object>();
  Napi::Value compression;
  Napi::Value dictionary;
  if (!GetOption(options, "compression", &compression) || !GetOption(options, "dictionary", &dictionary)) return;
  std::string name = compression.IsString() ? compression.As<Napi::String>().Utf8Value() : "";
  if (name == "gzip") {
    if (!dictionary.IsUndefined()) {
      ThrowError(env, "ERR_INVALID_OPTION", "a dictionary can only be used with zstd compression");
      return;
    }
    // 15 + 16: gzip wrapper only; a zlib or raw stream is corrupt input here.
    if (inflateInit2(&z_, 15 + 16) != Z_OK) {
      ThrowError(env, "ERR_INVALID_OPTION", "zlib could not start a gzip decoder");
      return;
    }
    zready_ = true;
    gzip_ = true;
  } else if (name == "zstd") {
    dctx_.reset(ZSTD_createDCtx());
    if (!dctx_ || ZSTD_isError(ZSTD_DCtx_setParameter(dctx_.get(), ZSTD_d_windowLogMax, kZstdWindowLogMax))) {
      ThrowError(env, "ERR_INVALID_OPTION", "zstd could not create a decompression context");
      return;
    }
    if (!dictionary.IsUndefined()) {
      ByteView bytes;
      if (!ReadBytes(env, dictionary, "dictionary", &bytes, "ERR_INVALID_OPTION")) return;
      ddict_.reset(ZSTD_createDDict(bytes.data, bytes.len));
      if (!ddict_ || ZSTD_isError(ZSTD_DCtx_refDDict(dctx_.get(), ddict_.get()))) {
        ThrowError(env, "ERR_INVALID_OPTION", "zstd rejected the dictionary");
        return;
      }
    }
  } else {
    ThrowError(env, "ERR_INVALID_OPTION", "compression must be 'gzip' or 'zstd', got '" + name + "'");
    return;
  }
  chunk_.resize(kChunk);
}

MemberDecoder::~MemberDecoder() { Release(); }

void MemberDecoder::Release() {
  if (zready_) inflateEnd(&z_);
  zready_ = false;
  ddict_.reset();
  dctx_.reset();
  std::vector<uint8_t>().swap(out_);
  std::vector<uint8_t>().swap(chunk_);
}

bool MemberDecoder::WriteGzip(Napi::Env env, const uint8_t* data, size_t len, size_t* consumed, bool* end) {
  size_t step = len < kZlibStep ? len : kZlibStep;
  z_.next_in = const_cast<Bytef*>(data);
  z_.avail_in = static_cast<uInt>(step);
  for (;;) {
    size_t room = Room(out_, chunk_.size());
    if (room == 0) {
      pending_ = true;
      break;
    }
    z_.next_out = chunk_.data();
    z_.avail_out = static_cast<uInt>(room);
    int rc = inflate(&z_, Z_NO_FLUSH);
    size_t produced = room - z_.avail_out;
    out_.insert(out_.end(), chunk_.data(), chunk_.data() + produced);
    if (rc == Z_STREAM_END) {
      *end = true;
      inflateReset(&z_);
      break;
    }
    if (rc == Z_BUF_ERROR && z_.avail_in == 0) break;  // needs more input
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string why = z_.msg != nullptr ? z_.msg : "zlib error " + std::to_string(rc);
      inflateReset(&z_);
      ThrowError(env, "ERR_DECODE", "corrupt gzip data: " + why);
      return false;
    }
    if (z_.avail_in == 0 && z_.avail_out != 0) break;
  }
  *consumed = step - z_.avail_in;
  return true;
}

bool MemberDecoder::WriteZstd(Napi::Env env, const uint8_t* data, size_t len, size_t* consumed, bool* end) {
  ZSTD_inBuffer in = {data, len, 0};
  for (;;) {
    size_t room = Room(out_, chunk_.size());
    if (room == 0) {
      pending_ = true;
      break;
    }
    ZSTD_outBuffer out = {chunk_.data(), room, 0};
    // Stops at the end of a frame (skippable frames included), never reads into the next one.
    size_t rc = ZSTD_decompressStream(dctx_.get(), &out, &in);
    if (ZSTD_isError(rc)) {
      ZSTD_DCtx_reset(dctx_.get(), ZSTD_reset_session_only);
      ThrowError(env, "ERR_DECODE", std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc));
      return false;
    }
    out_.insert(out_.end(), chunk_.data(), chunk_.data() + out.pos);
    if (rc == 0) {
      *end = true;
      break;
    }
    if (in.pos == in.size && out.pos < out.size) break;  // needs more input
  }
  *consumed = in.pos;
  return true;
}

Napi::Value MemberDecoder::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) {
    ThrowError(env, "ERR_DECODE", "MemberDecoder.write() called after close()");
    return env.Undefined();
  }
  ByteView input;
  if (!ReadBytes(env, info[0], "MemberDecoder.write() input", &input)) return env.Undefined();
  const uint8_t* data = input.data;
  size_t consumed = 0;
  bool end = false;
  out_.clear();
  bool drain = pending_;
  pending_ = false;
  bool ok = false;
  try {
    InjectAllocFault();
    // Empty input still drains output left pending by the previous call.
    if (input.len == 0 && !drain) ok = true;
    else if (gzip_) ok = WriteGzip(env, data, input.len, &consumed, &end);
    else ok = WriteZstd(env, data, input.len, &consumed, &end);
  } catch (const std::bad_alloc&) {
    ThrowError(env, "ERR_NO_MEMORY", "out of memory while decoding");
    ok = false;
  }
  if (!ok) {
    pending_ = false;
    return env.Undefined();
  }
  // A copy in memory V8 accounts for, so the GC keeps pace with a reader draining a bomb
  // (externally owned buffers piled up to the whole output before a collection).
  Napi::Value output = Napi::Buffer<uint8_t>::Copy(env, out_.data(), out_.size());
  out_.clear();
  Napi::Object step = Napi::Object::New(env);
  step.Set("output", output);
  step.Set("consumed", Napi::Number::New(env, static_cast<double>(consumed)));
  step.Set("memberEnd", Napi::Boolean::New(env, end));
  step.Set("pending", Napi::Boolean::New(env, pending_));
  return step;
}

Napi::Value MemberDecoder::Reset(const Napi::CallbackInfo& info) {
  pending_ = false;
  if (!closed_) {
    if (gzip_) inflateReset(&z_);
    else if (dctx_) ZSTD_DCtx_reset(dctx_.get(), ZSTD_reset_session_only);
  }
  return info.Env().Undefined();
}

Napi::Value MemberDecoder::Close(const Napi::CallbackInfo& info) {
  closed_ = true;
  Release();
  return info.Env().Undefined();
}

}  // namespace warcwire
