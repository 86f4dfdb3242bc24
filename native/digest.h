// Incremental SHA-1 / SHA-256 with WARC labels, on the OpenSSL inside node.
#ifndef WARCWIRE_DIGEST_H_
#define WARCWIRE_DIGEST_H_

#include <napi.h>
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <vector>

namespace warcwire {

struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// JS: new Digest('sha1' | 'sha256'); update(buf); digest() -> Buffer; label(enc?) -> string.
// update() hashes on the calling (main) thread: SHA-1/256 run at roughly 1 GB/s here, so
// callers keep chunks at or below 1 MiB (~1 ms) to keep the event loop free.
class Digest : public Napi::ObjectWrap<Digest> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Digest(const Napi::CallbackInfo& info);

 private:
  Napi::Value Update(const Napi::CallbackInfo& info);
  Napi::Value DigestBytes(const Napi::CallbackInfo& info);
  Napi::Value Label(const Napi::CallbackInfo& info);
  Napi::Value Algorithm(const Napi::CallbackInfo& info);
  // Finishes the hash once; later calls reuse the result.
  bool Finish(Napi::Env env);

  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx_;
  std::string algorithm_;
  std::vector<unsigned char> result_;
  bool finished_ = false;
};

// The OpenSSL hash behind a WARC digest algorithm name ("sha1", "sha256"); null for any other name.
const EVP_MD* DigestMd(const std::string& algorithm);
// A new hash context started for `md`; null when OpenSSL cannot start one.
std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> StartDigest(const EVP_MD* md);
// The label encoding given as an optional JS argument: undefined means the algorithm's default
// (base32 for sha1, the WARC convention; base16 for sha256). False with a pending ERR_INVALID_OPTION.
bool ReadDigestEncoding(Napi::Env env, const Napi::Value& value, const std::string& algorithm, std::string* out);
// "<algorithm>:<encoded>" for a finished hash.
std::string DigestLabel(const std::string& algorithm, const unsigned char* md, size_t len, const std::string& encoding);

// RFC 4648 base32, upper case, padded.
std::string Base32(const unsigned char* data, size_t len);
// Lower-case hex.
std::string Base16(const unsigned char* data, size_t len);

}  // namespace warcwire

#endif  // WARCWIRE_DIGEST_H_
