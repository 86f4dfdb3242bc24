#include "fault.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "util.h"

namespace warcwire {

namespace {
std::atomic<Fault> injected{Fault::kNone};
}  // namespace

bool ReadInjectedFault(Napi::Env env) {
  const char* value = std::getenv("WARCWIRE_NATIVE_FAULT");
  if (value == nullptr || *value == '\0') return true;
  Fault fault = std::strcmp(value, "deflate") == 0 ? Fault::kDeflate
                : std::strcmp(value, "zstd") == 0  ? Fault::kZstd
                : std::strcmp(value, "alloc") == 0 ? Fault::kAlloc
                                                   : Fault::kNone;
  if (fault == Fault::kNone) {
    ThrowError(env, "ERR_INVALID_OPTION",
               std::string("WARCWIRE_NATIVE_FAULT (test-only) must be 'deflate', 'zstd' or 'alloc', got '") + value + "'");
    return false;
  }
  injected.store(fault, std::memory_order_relaxed);
  return true;
}

Fault InjectedFault() { return injected.load(std::memory_order_relaxed); }

void InjectAllocFault() {
  if (InjectedFault() == Fault::kAlloc) throw std::bad_alloc();
}

}  // namespace warcwire
