// Test-only fault injection: WARCWIRE_NATIVE_FAULT=deflate|zstd|alloc, read once at addon
// init, makes every deflate / zstd compression call fail inside zlib / zstd, or every member
// allocation on a worker (and every MemberDecoder.write) throw std::bad_alloc. It lets the tests prove a failure inside a
// worker's Execute surfaces as a typed error and the process lives. Unset (always, outside
// the tests) it costs one relaxed load per member.
#ifndef WARCWIRE_FAULT_H_
#define WARCWIRE_FAULT_H_

#include <napi.h>

namespace warcwire {

enum class Fault { kNone, kDeflate, kZstd, kAlloc };

// Reads WARCWIRE_NATIVE_FAULT; false with a pending ERR_INVALID_OPTION for an unknown value.
bool ReadInjectedFault(Napi::Env env);
Fault InjectedFault();
// Throws std::bad_alloc when the alloc fault is on: call where a member's buffer is allocated.
void InjectAllocFault();

}  // namespace warcwire

#endif  // WARCWIRE_FAULT_H_
