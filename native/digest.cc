#include "digest.h"

#include "util.h"

namespace warcwire {

std::string Base32(const unsigned char* data, size_t len) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve((len + 4) / 5 * 8);
  uint64_t bits = 0;
  int count = 0;
  for (size_t i = 0; i < len; i++) {
    bits = (bits << 8) | data[i];
    count += 8;
    while (count >= 5) {
      count -= 5;
      out.push_back(kAlphabet[(bits >> count) & 31]);
    }
  }
  if (count > 0) out.push_back(kAlphabet[(bits << (5 - count)) & 31]);
  while (out.size() % 8 != 0) out.push_back('=');
  return out;
}

std::string Base16(const unsigned char* data, size_t len) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (size_t i = 0; i < len; i++) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 15]);
  }
  return out;
}

const EVP_MD* DigestMd(const std::string& algorithm) {
  if (algorithm == "sha1") return EVP_sha1();
  if (algorithm == "sha256") return EVP_sha256();
  return nullptr;
}

std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> StartDigest(const EVP_MD* md) {
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
  if (ctx && EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) ctx.reset();
  return ctx;
}

bool ReadDigestEncoding(Napi::Env env, const Napi::Value& value, const std::string& algorithm, std::string* out) {
  std::string encoding = algorithm == "sha1" ? "base32" : "base16";
  if (!value.IsUndefined()) encoding = value.IsString() ? value.As<Napi::String>().Utf8Value() : std::string("?");
  if (encoding != "base32" && encoding != "base16") {
    ThrowError(env, "ERR_INVALID_OPTION", "digest encoding must be 'base32' or 'base16', got '" + encoding + "'");
    return false;
  }
  *out = encoding;
  return true;
}

std::string DigestLabel(const std::string& algorithm, const unsigned char* md, size_t len, const std::string& encoding) {
  return algorithm + ":" + (encoding == "base32" ? Base32(md, len) : Base16(md, len));
}

Napi::Function Digest::Define(Napi::Env env) {
  return DefineClass(env, "Digest",
                     {InstanceMethod<&Digest::Update>("update"),
                      InstanceMethod<&Digest::DigestBytes>("digest"),
                      InstanceMethod<&Digest::Label>("label"),
                      InstanceAccessor<&Digest::Algorithm>("algorithm")});
}

Digest::Digest(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Digest>(info) {
  Napi::Env env = info.Env();
  std::string name = info.Length() > 0 && info[0].IsString()
                         ? info[0].As<Napi::String>().Utf8Value()
                         : std::string();
  const EVP_MD* md = DigestMd(name);
  if (md == nullptr) {
    ThrowError(env, "ERR_INVALID_OPTION", "digest algorithm must be 'sha1' or 'sha256', got '" + name + "'");
    return;
  }
  ctx_ = StartDigest(md);
  if (!ctx_) {
    ThrowError(env, "ERR_INVALID_OPTION", "OpenSSL could not start a " + name + " digest");
    return;
  }
  algorithm_ = name;
}

Napi::Value Digest::Update(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView input;
  if (!ReadBytes(env, info[0], "digest.update() input", &input)) return env.Undefined();
  if (finished_) {
    ThrowError(env, "ERR_INVALID_OPTION", "digest.update() called after digest() or label()");
    return env.Undefined();
  }
  if (input.len > 0 && EVP_DigestUpdate(ctx_.get(), input.data, input.len) != 1) {
    ThrowError(env, "ERR_INVALID_OPTION", "OpenSSL failed to update the " + algorithm_ + " digest");
  }
  return env.Undefined();
}

bool Digest::Finish(Napi::Env env) {
  if (finished_) return true;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1) {
    ThrowError(env, "ERR_INVALID_OPTION", "OpenSSL failed to finish the " + algorithm_ + " digest");
    return false;
  }
  result_.assign(md, md + len);
  finished_ = true;
  ctx_.reset();
  return true;
}

Napi::Value Digest::DigestBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Finish(env)) return env.Undefined();
  return Napi::Buffer<unsigned char>::Copy(env, result_.data(), result_.size());
}

Napi::Value Digest::Label(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Like the js backend: sha1 labels default to base32 (the WARC convention), sha256 to base16.
  std::string encoding;
  if (!ReadDigestEncoding(env, info[0], algorithm_, &encoding)) return env.Undefined();
  if (!Finish(env)) return env.Undefined();
  return Napi::String::New(env, DigestLabel(algorithm_, result_.data(), result_.size(), encoding));
}

Napi::Value Digest::Algorithm(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), algorithm_);
}

}  // namespace warcwire
