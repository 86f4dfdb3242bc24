#include "util.h"

#include <errno.h>
#include <unistd.h>
#include <uv.h>

#include <limits>

namespace warcwire {

void Failure::Set(const char* c, std::string msg, int err) {
  code = c;
  message = std::move(msg);
  syscall = err != 0 ? ErrnoName(err) : std::string();
}

std::string ErrnoName(int err) { return uv_err_name(-err); }

std::string ErrnoText(int err) { return uv_strerror(-err); }

std::string ErrnoDescription(int err) { return ErrnoText(err) + " (" + ErrnoName(err) + ")"; }

Napi::Error MakeError(Napi::Env env, const Failure& failure) {
  // Empty only when a worker had no memory left to word it (guard.cc).
  Napi::Error error = Napi::Error::New(
      env, failure.message.empty() ? "out of memory on a worker thread (no room left even for the message)" : failure.message);
  error.Set("code", Napi::String::New(env, failure.code));
  if (!failure.syscall.empty()) error.Set("syscallCode", Napi::String::New(env, failure.syscall));
  return error;
}

Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message) {
  Failure failure;
  failure.Set(code, message);
  return MakeError(env, failure);
}

void ThrowError(Napi::Env env, const Failure& failure) {
  // napi_throw with an exception pending is fatal: keep the first one.
  if (env.IsExceptionPending()) return;
  MakeError(env, failure).ThrowAsJavaScriptException();
}

void ThrowError(Napi::Env env, const char* code, const std::string& message) {
  Failure failure;
  failure.Set(code, message);
  ThrowError(env, failure);
}

bool ReadBytes(Napi::Env env, const Napi::Value& value, const char* what, ByteView* out, const char* code) {
  static const uint8_t kEmpty = 0;
  void* data = nullptr;
  size_t len = 0;
  napi_value buffer = nullptr;
  napi_status status = napi_invalid_arg;
  // Raw N-API: Napi::TypedArray::ArrayBuffer().Data() fails on a SharedArrayBuffer.
  if (value.IsTypedArray()) {
    napi_typedarray_type type;
    size_t count = 0;
    size_t offset = 0;
    status = napi_get_typedarray_info(env, value, &type, &count, &data, &buffer, &offset);
    if (status == napi_ok) len = value.As<Napi::TypedArray>().ByteLength();
  } else if (value.IsDataView()) {
    size_t offset = 0;
    status = napi_get_dataview_info(env, value, &len, &data, &buffer, &offset);
  }
  if (status != napi_ok) {
    ThrowError(env, code, std::string(what) + " must be a Uint8Array (or another ArrayBuffer view)");
    return false;
  }
  bool detached = false;
  // False for a SharedArrayBuffer, which cannot be detached.
  if (napi_is_detached_arraybuffer(env, buffer, &detached) != napi_ok || detached) {
    ThrowError(env, code, std::string(what) + " is backed by a detached (transferred) ArrayBuffer");
    return false;
  }
  out->data = len > 0 && data != nullptr ? static_cast<const uint8_t*>(data) : &kEmpty;
  out->len = data != nullptr ? len : 0;
  return true;
}

bool GetOption(const Napi::Object& options, const char* name, Napi::Value* out) {
  *out = options.Get(name);
  return !options.Env().IsExceptionPending();
}

bool ReadIntOption(Napi::Env env, const Napi::Object& options, const char* name, int64_t min,
                   int64_t max, int64_t fallback, int64_t* out) {
  Napi::Value value;
  if (!GetOption(options, name, &value)) return false;
  if (value.IsUndefined()) {
    *out = fallback;
    return true;
  }
  if (value.IsNumber()) {
    double d = value.As<Napi::Number>().DoubleValue();
    if (d >= static_cast<double>(min) && d <= static_cast<double>(max) &&
        d == static_cast<double>(static_cast<int64_t>(d))) {
      *out = static_cast<int64_t>(d);
      return true;
    }
  }
  ThrowError(env, "ERR_INVALID_OPTION",
             std::string(name) + " must be an integer from " + std::to_string(min) + " to " +
                 std::to_string(max));
  return false;
}

int UniqueFd::Reset(int fd) {
  int err = 0;
  if (fd_ >= 0 && ::close(fd_) != 0) err = errno;
  fd_ = fd;
  return err;
}

// Bounded so one syscall never exceeds what Linux accepts in one go.
static constexpr size_t kMaxIo = 1u << 30;

namespace {

// write() (offset < 0) or pwrite() until everything is written.
bool WriteLoop(int fd, const uint8_t* data, size_t len, int64_t offset, int* err) {
  while (len > 0) {
    size_t step = len < kMaxIo ? len : kMaxIo;
    ssize_t n = offset < 0 ? ::write(fd, data, step) : ::pwrite(fd, data, step, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return false;
    }
    if (n == 0) {
      *err = EIO;
      return false;
    }
    data += n;
    len -= static_cast<size_t>(n);
    if (offset >= 0) offset += n;
  }
  return true;
}

}  // namespace

bool WriteAll(int fd, const uint8_t* data, size_t len, int* err) { return WriteLoop(fd, data, len, -1, err); }

bool PwriteAll(int fd, const uint8_t* data, size_t len, uint64_t offset, int* err) {
  return WriteLoop(fd, data, len, static_cast<int64_t>(offset), err);
}

bool PreadAll(int fd, uint8_t* data, size_t len, uint64_t offset, size_t* got, int* err) {
  *got = 0;
  while (len > 0) {
    ssize_t n = ::pread(fd, data, len < kMaxIo ? len : kMaxIo, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return false;
    }
    if (n == 0) break;
    data += n;
    len -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
    *got += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace warcwire
