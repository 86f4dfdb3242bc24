// The one way worker code runs: the addon is built with NAPI_DISABLE_CPP_EXCEPTIONS, so an
// exception leaving a worker's Execute would terminate the user's process. Every Execute
// body (or each unit of work in it) runs inside Guarded, which turns whatever was thrown
// into a coded Failure the main thread rejects with.
#ifndef WARCWIRE_GUARD_H_
#define WARCWIRE_GUARD_H_

#include <exception>
#include <new>
#include <stdexcept>

#include "util.h"

namespace warcwire {

// Sets `failure` for a caught exception: ERR_NO_MEMORY for std::bad_alloc and
// std::length_error (a buffer beyond what can be allocated), else `code`. `what` says what
// was being done ("compressing a record for /x.warc.gz"). Never throws.
void FailFromException(Failure* failure, const char* code, const char* what, const std::exception* caught,
                       bool noMemory) noexcept;

// Runs `body`; false (with `failure` set as above) when it threw.
template <typename Body>
bool Guarded(Failure* failure, const char* code, const char* what, Body&& body) noexcept {
  try {
    body();
    return true;
  } catch (const std::bad_alloc& e) {
    FailFromException(failure, code, what, &e, true);
  } catch (const std::length_error& e) {
    FailFromException(failure, code, what, &e, true);
  } catch (const std::exception& e) {
    FailFromException(failure, code, what, &e, false);
  } catch (...) {
    FailFromException(failure, code, what, nullptr, false);
  }
  return false;
}

}  // namespace warcwire

#endif  // WARCWIRE_GUARD_H_
