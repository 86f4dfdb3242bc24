#include "guard.h"

#include <string>

namespace warcwire {

void FailFromException(Failure* failure, const char* code, const char* what, const std::exception* caught,
                       bool noMemory) noexcept {
  const char* chosen = noMemory ? "ERR_NO_MEMORY" : code;
  try {
    std::string message = noMemory ? std::string("out of memory ") + what
                                   : std::string("failed ") + what + ": " + (caught ? caught->what() : "unknown exception");
    failure->Set(chosen, std::move(message));
  } catch (...) {
    // No memory left even for the message: the code alone (it fits the short-string buffer,
    // so assigning it allocates nothing); MakeError gives it a fixed text.
    failure->code = "ERR_NO_MEMORY";
    failure->message.clear();
    failure->syscall.clear();
  }
}

}  // namespace warcwire
