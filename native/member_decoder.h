// Incremental gzip-member / zstd-frame decoder that stops at each member boundary.
#ifndef WARCWIRE_MEMBER_DECODER_H_
#define WARCWIRE_MEMBER_DECODER_H_

#include <napi.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>
#include <vector>

namespace warcwire {

struct DCtxFree {
  void operator()(ZSTD_DCtx* p) const { ZSTD_freeDCtx(p); }
};
struct DDictFree {
  void operator()(ZSTD_DDict* p) const { ZSTD_freeDDict(p); }
};

// JS: new MemberDecoder({compression, dictionary}); write(input) -> {output, consumed, memberEnd, pending};
// reset(); close(). Synchronous; each write() returns at most 1 MiB and sets `pending` when it
// stopped there (the caller calls again, with the rest of its input or an empty one, to drain).
class MemberDecoder : public Napi::ObjectWrap<MemberDecoder> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit MemberDecoder(const Napi::CallbackInfo& info);
  ~MemberDecoder() override;

 private:
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  // Each returns false with a pending ERR_DECODE exception on corrupt input.
  bool WriteGzip(Napi::Env env, const uint8_t* data, size_t len, size_t* consumed, bool* end);
  bool WriteZstd(Napi::Env env, const uint8_t* data, size_t len, size_t* consumed, bool* end);
  void Release();

  bool gzip_ = false;
  bool closed_ = false;
  bool zready_ = false;
  bool pending_ = false;  // the last write() stopped at the output bound
  z_stream z_;
  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx_;
  std::unique_ptr<ZSTD_DDict, DDictFree> ddict_;
  std::vector<uint8_t> out_;
  std::vector<uint8_t> chunk_;
};

}  // namespace warcwire

#endif  // WARCWIRE_MEMBER_DECODER_H_
