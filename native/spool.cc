#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>

namespace warcwire {

namespace {
// Marks JS objects that wrap a native Spool, so a sink can tell them apart safely.
const napi_type_tag kSpoolTag = {0x7761726377697265ULL, 0x73706f6f6c000001ULL};
constexpr uint64_t kDefaultLimit = 8 * 1024 * 1024;
std::atomic<uint64_t> ramHeld{0};

// Takes `len` bytes of the process-wide budget; false (nothing taken) when that would pass it.
bool ReserveRam(uint64_t len) {
  uint64_t held = ramHeld.load(std::memory_order_relaxed);
  do {
    if (len > kSpoolRamBudget - std::min(held, kSpoolRamBudget)) return false;
  } while (!ramHeld.compare_exchange_weak(held, held + len, std::memory_order_relaxed));
  return true;
}

void ReleaseRam(uint64_t len) { ramHeld.fetch_sub(len, std::memory_order_relaxed); }
constexpr double kMaxSafeInteger = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER
}  // namespace

uint64_t SpoolRamHeld() { return ramHeld.load(std::memory_order_relaxed); }

SpoolCore::~SpoolCore() { DropRam(); }

void SpoolCore::DropRam() {
  ReleaseRam(ram_.size());
  std::vector<uint8_t>().swap(ram_);
}

bool SpoolCore::MoveToDisk(Failure* failure) {
  std::string pattern = tempDir_ + "/warcwire-spool-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  // mkostemp creates the file with mode 0600.
  UniqueFd fd(mkostemp(name.data(), O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    failure->Set("ERR_SPOOL_IO",
                 "cannot create a spool temp file in " + tempDir_ + ": " + ErrnoDescription(err),
                 err);
    return false;
  }
  // Unlinked at once: the bytes live only as long as the descriptor.
  unlink(name.data());
  int err = 0;
  if (!ram_.empty() && !PwriteAll(fd.get(), ram_.data(), ram_.size(), 0, &err)) {
    failure->Set("ERR_SPOOL_IO", "cannot write the spool temp file in " + tempDir_ + ": " + ErrnoDescription(err), err);
    return false;
  }
  fd_ = std::move(fd);
  DropRam();
  return true;
}

bool SpoolCore::StartOnDisk(Failure* failure) {
  std::lock_guard<std::mutex> lock(mu_);
  return fd_.valid() || MoveToDisk(failure);
}

bool SpoolCore::Append(const uint8_t* data, size_t len, Failure* failure) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) {
    failure->Set("ERR_SPOOL_CLOSED", "spool.append() called after close()");
    return false;
  }
  if (len == 0) return true;
  const bool toRam = !fd_.valid() && !fullOnDisk_ && size_ + len <= limit_ && ReserveRam(len);
  if (!toRam && !fd_.valid() && !MoveToDisk(failure)) return false;
  if (fd_.valid()) {
    // pwrite at the logical size: a failed append leaves no bytes that reads could see.
    int err = 0;
    if (!PwriteAll(fd_.get(), data, len, size_, &err)) {
      failure->Set("ERR_SPOOL_IO", "cannot write the spool temp file in " + tempDir_ + ": " + ErrnoDescription(err), err);
      return false;
    }
  } else {
    try {
      ram_.insert(ram_.end(), data, data + len);
    } catch (...) {
      ReleaseRam(len);
      throw;
    }
  }
  size_ += len;
  return true;
}

bool SpoolCore::Read(uint64_t offset, uint8_t* dst, size_t len, size_t* got, Failure* failure) {
  std::lock_guard<std::mutex> lock(mu_);
  *got = 0;
  if (closed_) {
    failure->Set("ERR_SPOOL_CLOSED", "the spool was closed before it was read");
    return false;
  }
  if (offset >= size_) return true;
  if (len > size_ - offset) len = static_cast<size_t>(size_ - offset);
  if (!fd_.valid()) {
    std::copy(ram_.begin() + static_cast<ptrdiff_t>(offset), ram_.begin() + static_cast<ptrdiff_t>(offset + len), dst);
    *got = len;
    return true;
  }
  int err = 0;
  if (!PreadAll(fd_.get(), dst, len, offset, got, &err)) {
    failure->Set("ERR_SPOOL_IO", "cannot read the spool temp file: " + ErrnoDescription(err),
                 err);
    return false;
  }
  if (*got != len) {
    failure->Set("ERR_SPOOL_IO", "the spool temp file is shorter than the bytes appended to it");
    return false;
  }
  return true;
}

void SpoolCore::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  fd_.Reset();
  DropRam();
}

uint64_t SpoolCore::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

bool SpoolCore::onDisk() {
  std::lock_guard<std::mutex> lock(mu_);
  return fd_.valid();
}

bool SpoolCore::closed() {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

// ---- JS class -------------------------------------------------------------

Napi::Function Spool::Define(Napi::Env env) {
  return DefineClass(env, "Spool",
                     {InstanceMethod<&Spool::Append>("append"), InstanceMethod<&Spool::Read>("read"),
                      InstanceMethod<&Spool::Close>("close"), InstanceAccessor<&Spool::Size>("size"),
                      InstanceAccessor<&Spool::OnDisk>("onDisk")});
}

Spool::Spool(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Spool>(info) {
  Napi::Env env = info.Env();
  Napi::Object options = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  int64_t limit = 0;
  if (!ReadIntOption(env, options, "memoryLimit", 0, int64_t{1} << 50, kDefaultLimit, &limit)) return;
  Napi::Value dir;
  Napi::Value fullOnDiskOption;
  if (!GetOption(options, "tempDir", &dir) || !GetOption(options, "fullOnDisk", &fullOnDiskOption)) return;
  std::string tempDir;
  if (dir.IsString()) {
    tempDir = dir.As<Napi::String>().Utf8Value();
  } else if (dir.IsUndefined()) {
    const char* env_dir = getenv("TMPDIR");
    tempDir = env_dir != nullptr && *env_dir != '\0' ? env_dir : "/tmp";
  } else {
    ThrowError(env, "ERR_INVALID_OPTION", "tempDir must be a string");
    return;
  }
  if (tempDir.empty() || tempDir.find('\0') != std::string::npos) {
    ThrowError(env, "ERR_INVALID_OPTION", "tempDir must be a non-empty path");
    return;
  }
  bool fullOnDisk = fullOnDiskOption.ToBoolean().Value();
  core_ = std::make_shared<SpoolCore>(static_cast<uint64_t>(limit), tempDir, fullOnDisk);
  Failure failure;
  if (fullOnDisk && !core_->StartOnDisk(&failure)) {
    ThrowError(env, failure);
    return;
  }
  info.This().As<Napi::Object>().TypeTag(&kSpoolTag);
}

std::shared_ptr<SpoolCore> Spool::CoreOf(const Napi::Value& value) {
  if (!value.IsObject()) return nullptr;
  Napi::Object object = value.As<Napi::Object>();
  if (!object.CheckTypeTag(&kSpoolTag)) return nullptr;
  return Unwrap(object)->core_;
}

Napi::Value Spool::Append(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView input;
  if (!ReadBytes(env, info[0], "spool.append() input", &input)) return env.Undefined();
  Failure failure;
  try {
    core_->Append(input.data, input.len, &failure);
  } catch (const std::bad_alloc&) {
    failure.Set("ERR_NO_MEMORY", "out of memory while spooling");
  }
  if (failure.failed()) ThrowError(env, failure);
  return env.Undefined();
}

Napi::Value Spool::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double offset = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  double length = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
  if (!(offset >= 0) || !(length >= 0) || offset != std::floor(offset) || length != std::floor(length) ||
      offset > kMaxSafeInteger || length > kMaxSafeInteger) {
    ThrowError(env, "ERR_INVALID_ARG", "spool.read() offset and length must be non-negative safe integers");
    return env.Undefined();
  }
  if (core_->closed()) {
    ThrowError(env, "ERR_SPOOL_CLOSED", "spool.read() called after close()");
    return env.Undefined();
  }
  uint64_t size = core_->size();
  uint64_t start = static_cast<uint64_t>(offset);
  uint64_t want = start >= size ? 0 : std::min<uint64_t>(static_cast<uint64_t>(length), size - start);
  napi_value buffer = nullptr;
  void* data = nullptr;
  // Fails (with a pending RangeError) beyond the largest Buffer node can make: 4 GiB on Node 20.
  if (want > SIZE_MAX || napi_create_buffer(env, static_cast<size_t>(want), &data, &buffer) != napi_ok ||
      (want > 0 && data == nullptr)) {
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    ThrowError(env, "ERR_INVALID_ARG",
               "spool.read() of " + std::to_string(want) +
                   " bytes at once is more than one Buffer can hold: read it in smaller pieces");
    return env.Undefined();
  }
  Failure failure;
  size_t got = 0;
  if (want > 0 && !core_->Read(start, static_cast<uint8_t*>(data), static_cast<size_t>(want), &got, &failure)) {
    ThrowError(env, failure);
    return env.Undefined();
  }
  return Napi::Value(env, buffer);
}

Napi::Value Spool::Close(const Napi::CallbackInfo& info) {
  core_->Close();
  return info.Env().Undefined();
}

Napi::Value Spool::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(core_->size()));
}

Napi::Value Spool::OnDisk(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), core_->onDisk());
}

}  // namespace warcwire
