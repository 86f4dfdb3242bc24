// Shared helpers of the addon: coded errors, errno names, an RAII file descriptor.
#ifndef WARCWIRE_UTIL_H_
#define WARCWIRE_UTIL_H_

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace warcwire {

// A failure carried from a worker thread back to the main thread, where it
// becomes a JS Error with `code` (a BackendErrorCode) and `syscallCode`.
struct Failure {
  std::string code;     // ERR_SINK_WRITE, ERR_SPOOL_IO...
  std::string message;  // for humans
  std::string syscall;  // ENOSPC, EFBIG... empty when not a system error

  bool failed() const { return !code.empty(); }
  void Set(const char* c, std::string msg, int err = 0);
};

// "ENOSPC" for ENOSPC, via the libuv bundled in node.
std::string ErrnoName(int err);
// "no space left on device" for ENOSPC.
std::string ErrnoText(int err);
// "no space left on device (ENOSPC)": the form messages use.
std::string ErrnoDescription(int err);

Napi::Error MakeError(Napi::Env env, const Failure& failure);
Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message);
// Throws as a pending JS exception (C++ exceptions never cross N-API). An exception
// already pending (a throwing getter) is kept: it is the one the caller sees.
void ThrowError(Napi::Env env, const char* code, const std::string& message);
// ThrowError for a Failure.
void ThrowError(Napi::Env env, const Failure& failure);

// Bytes of a JS TypedArray or DataView argument (SharedArrayBuffer-backed ones too). They
// belong to JS: use them before returning to JS, or copy them (a transfer can free them).
struct ByteView {
  const uint8_t* data = nullptr;  // never null, even when empty
  size_t len = 0;
};
// False with a pending `code` error when `value` is not a byte view or its buffer is detached;
// `what` names the argument in the message ("digest.update() input"). Options use ERR_INVALID_OPTION.
bool ReadBytes(Napi::Env env, const Napi::Value& value, const char* what, ByteView* out,
               const char* code = "ERR_INVALID_ARG");

// options[name]; false when reading it threw (a getter or Proxy trap): that exception stays pending.
bool GetOption(const Napi::Object& options, const char* name, Napi::Value* out);

// Reads an optional integer option; false (with a pending exception) when it is not an integer in range.
bool ReadIntOption(Napi::Env env, const Napi::Object& options, const char* name, int64_t min,
                   int64_t max, int64_t fallback, int64_t* out);

// Owns one file descriptor; closes it exactly once.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(other.Release());
    return *this;
  }
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes the current descriptor; returns close()'s errno (0 when fine).
  int Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// write() until everything is written; false with errno-based failure otherwise.
bool WriteAll(int fd, const uint8_t* data, size_t len, int* err);
// pwrite() until everything is written.
bool PwriteAll(int fd, const uint8_t* data, size_t len, uint64_t offset, int* err);
// pread() until `len` bytes or end of file; *got receives the count.
bool PreadAll(int fd, uint8_t* data, size_t len, uint64_t offset, size_t* got, int* err);

}  // namespace warcwire

#endif  // WARCWIRE_UTIL_H_
