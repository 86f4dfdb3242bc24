#include "capture_block.h"

#include <cmath>
#include <new>
#include <vector>

#include "util.h"

namespace warcwire {

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER

const char kRangesShape[] = "payload ranges must be an array of [start, end) offset pairs";

// Reads the optional ranges argument into `out` as plain numbers. Reading an element may run
// JS (a getter), so this runs before the chunk's bytes are looked at. False with a pending error.
bool ReadRanges(Napi::Env env, const Napi::Value& value, std::vector<double>* out) {
  if (value.IsUndefined()) return true;
  if (!value.IsArray()) {
    ThrowError(env, "ERR_INVALID_ARG", std::string(kRangesShape) + ", got a non-array value");
    return false;
  }
  Napi::Array array = value.As<Napi::Array>();
  uint32_t count = array.Length();
  if (count % 2 != 0) {
    ThrowError(env, "ERR_INVALID_ARG", "payload ranges must be [start, end) pairs, got " + std::to_string(count) + " numbers");
    return false;
  }
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value element = array.Get(i);
    if (env.IsExceptionPending()) return false;  // a getter threw: its exception is the answer
    if (!element.IsNumber()) {
      ThrowError(env, "ERR_INVALID_ARG", "payload range " + std::to_string(i / 2) + " holds a value that is not a number");
      return false;
    }
    out->push_back(element.As<Napi::Number>().DoubleValue());
  }
  return true;
}

// Ranges of a chunk of `len` bytes: integers, ascending, non-overlapping, within the chunk
// (the same rule as payloadRangesArgument in src/backend/arguments.ts).
bool CheckRanges(Napi::Env env, const std::vector<double>& ranges, size_t len) {
  double previousEnd = 0;
  for (size_t i = 0; i < ranges.size(); i += 2) {
    double start = ranges[i];
    double end = ranges[i + 1];
    bool integers = std::floor(start) == start && std::floor(end) == end && end <= kMaxSafeInteger;
    if (!integers || !(start >= previousEnd) || !(end >= start) || !(end <= static_cast<double>(len))) {
      ThrowError(env, "ERR_INVALID_ARG",
                 "payload range " + std::to_string(i / 2) +
                     " is not an ascending, non-overlapping range of integers within the " + std::to_string(len) +
                     "-byte chunk");
      return false;
    }
    previousEnd = end;
  }
  return true;
}

}  // namespace

Napi::Function CaptureBlock::Define(Napi::Env env) {
  return DefineClass(env, "CaptureBlock",
                     {InstanceMethod<&CaptureBlock::Append>("append"),
                      InstanceMethod<&CaptureBlock::StopPayload>("stopPayload"),
                      InstanceMethod<&CaptureBlock::BlockDigest>("blockDigest"),
                      InstanceMethod<&CaptureBlock::PayloadDigest>("payloadDigest")});
}

CaptureBlock::CaptureBlock(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CaptureBlock>(info) {
  Napi::Env env = info.Env();
  spool_ = Spool::CoreOf(info[0]);
  if (!spool_) {
    ThrowError(env, "ERR_INVALID_ARG", "a capture block needs a native Spool to append to");
    return;
  }
  algorithm_ = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : std::string();
  const EVP_MD* md = DigestMd(algorithm_);
  if (md == nullptr) {
    ThrowError(env, "ERR_INVALID_OPTION", "digest algorithm must be 'sha1' or 'sha256', got '" + algorithm_ + "'");
    return;
  }
  block_ = StartDigest(md);
  payload_ = StartDigest(md);
  if (!block_ || !payload_) {
    ThrowError(env, "ERR_INVALID_OPTION", "OpenSSL could not start a " + algorithm_ + " digest");
    return;
  }
}

Napi::Value CaptureBlock::Append(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!block_) {
    ThrowError(env, "ERR_INVALID_ARG", "this capture block failed to start");
    return env.Undefined();
  }
  Failure failure;
  try {
    // A local vector: a getter among the ranges may call append() on this same block.
    std::vector<double> ranges;
    if (!ReadRanges(env, info[1], &ranges)) return env.Undefined();
    // No JS runs from here on, so the bytes cannot be detached under us.
    ByteView input;
    if (!ReadBytes(env, info[0], "captureBlock.append() input", &input)) return env.Undefined();
    if (!CheckRanges(env, ranges, input.len)) return env.Undefined();
    // The spool first: when it fails, neither digest has seen the chunk.
    if (!spool_->Append(input.data, input.len, &failure)) {
      ThrowError(env, failure);
      return env.Undefined();
    }
    bool hashed = input.len == 0 || EVP_DigestUpdate(block_.get(), input.data, input.len) == 1;
    for (size_t i = 0; hashed && payload_ && i < ranges.size(); i += 2) {
      size_t start = static_cast<size_t>(ranges[i]);
      size_t end = static_cast<size_t>(ranges[i + 1]);
      if (end > start) hashed = EVP_DigestUpdate(payload_.get(), input.data + start, end - start) == 1;
    }
    if (!hashed) failure.Set("ERR_INVALID_OPTION", "OpenSSL failed to update the " + algorithm_ + " digest");
  } catch (const std::bad_alloc&) {
    failure.Set("ERR_NO_MEMORY", "out of memory while spooling");
  }
  if (failure.failed()) ThrowError(env, failure);
  return env.Undefined();
}

Napi::Value CaptureBlock::StopPayload(const Napi::CallbackInfo& info) {
  payload_.reset();
  return info.Env().Undefined();
}

Napi::Value CaptureBlock::Label(const Napi::CallbackInfo& info, EVP_MD_CTX* ctx) {
  Napi::Env env = info.Env();
  std::string encoding;
  if (!ReadDigestEncoding(env, info[0], algorithm_, &encoding)) return env.Undefined();
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> copy(EVP_MD_CTX_new());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx) != 1 || EVP_DigestFinal_ex(copy.get(), md, &len) != 1) {
    ThrowError(env, "ERR_INVALID_OPTION", "OpenSSL failed to finish the " + algorithm_ + " digest");
    return env.Undefined();
  }
  return Napi::String::New(env, DigestLabel(algorithm_, md, len, encoding));
}

Napi::Value CaptureBlock::BlockDigest(const Napi::CallbackInfo& info) {
  if (!block_) {
    ThrowError(info.Env(), "ERR_INVALID_ARG", "this capture block failed to start");
    return info.Env().Undefined();
  }
  return Label(info, block_.get());
}

Napi::Value CaptureBlock::PayloadDigest(const Napi::CallbackInfo& info) {
  // Cut short: no digest, whatever the encoding asked for (as the js backend).
  if (!payload_) return info.Env().Undefined();
  return Label(info, payload_.get());
}

}  // namespace warcwire
