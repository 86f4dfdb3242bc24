// Append-only byte store: RAM up to a limit, then an unlinked 0600 temp file.
#ifndef WARCWIRE_SPOOL_H_
#define WARCWIRE_SPOOL_H_

#include <napi.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "util.h"

namespace warcwire {

// RAM all spools of the process may hold together; an append that would pass it moves its
// spool to the temp file instead, so many exchanges in flight cannot add up to unbounded RAM
// (the js backend keeps the same budget).
constexpr uint64_t kSpoolRamBudget = 256ull * 1024 * 1024;
// RAM the spools of the process hold now (for tests and metrics).
uint64_t SpoolRamHeld();

// Shared between the JS Spool object and RecordSink jobs reading it on a worker,
// so every member is guarded by `mu_`.
class SpoolCore {
 public:
  SpoolCore(uint64_t memoryLimit, std::string tempDir, bool fullOnDisk)
      : limit_(memoryLimit), tempDir_(std::move(tempDir)), fullOnDisk_(fullOnDisk) {}
  // Gives back its share of the RAM budget when no Close() came first.
  ~SpoolCore();
  SpoolCore(const SpoolCore&) = delete;
  SpoolCore& operator=(const SpoolCore&) = delete;

  bool Append(const uint8_t* data, size_t len, Failure* failure);
  // Creates the temp file now (fullOnDisk spools do so at construction, like the js backend).
  bool StartOnDisk(Failure* failure);
  // Reads up to `len` bytes at `offset` into `dst`; *got is short at the end.
  bool Read(uint64_t offset, uint8_t* dst, size_t len, size_t* got, Failure* failure);
  void Close();
  uint64_t size();
  bool onDisk();
  bool closed();

 private:
  // Creates the temp file and moves the RAM bytes into it. Called with mu_ held.
  bool MoveToDisk(Failure* failure);
  // Frees the RAM bytes and gives their share of the budget back. Called with mu_ held.
  void DropRam();

  std::mutex mu_;
  const uint64_t limit_;
  const std::string tempDir_;
  const bool fullOnDisk_;
  std::vector<uint8_t> ram_;
  UniqueFd fd_;  // unlinked right after creation: it cannot outlive the process
  uint64_t size_ = 0;
  bool closed_ = false;
};

// JS: new Spool({memoryLimit, tempDir, fullOnDisk}); append(buf); size; onDisk; read(off, len); close().
class Spool : public Napi::ObjectWrap<Spool> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Spool(const Napi::CallbackInfo& info);
  // The core behind a JS value when it is a native Spool, else null.
  static std::shared_ptr<SpoolCore> CoreOf(const Napi::Value& value);

 private:
  Napi::Value Append(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value OnDisk(const Napi::CallbackInfo& info);

  std::shared_ptr<SpoolCore> core_;
};

}  // namespace warcwire

#endif  // WARCWIRE_SPOOL_H_
