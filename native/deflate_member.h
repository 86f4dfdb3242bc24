// One gzip member in one libdeflate call, for input that is all in memory (records compressed
// ahead by the sink, MemberEncoder parts): libdeflate needs no streaming state and its match
// finder is faster than zlib's at the same level for output of about the same size. Records
// streamed from a spool and the parallel slices of large records stay with zlib, which has
// the streaming and preset-dictionary interfaces libdeflate lacks.
#ifndef WARCWIRE_DEFLATE_MEMBER_H_
#define WARCWIRE_DEFLATE_MEMBER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "compressor.h"
#include "util.h"

struct libdeflate_compressor;

namespace warcwire {

// Worker-thread object, owned by one GzipCompressor: never touched by two threads at once.
class DeflateMember {
 public:
  // `level` is the zlib level asked for (1-9); libdeflate runs at the same level.
  explicit DeflateMember(int level) : level_(level) {}
  // Appends one gzip member of the concatenated `parts` to `out`, with the 10-byte header zlib
  // writes for `level` (so members keep today's header bytes). ERR_NO_MEMORY when memory runs
  // out, ERR_DEFLATE when libdeflate fails.
  bool Compress(const std::vector<Part>& parts, std::vector<uint8_t>* out, Failure* failure);

 private:
  struct Free {
    void operator()(libdeflate_compressor* compressor) const;
  };
  const int level_;
  std::unique_ptr<libdeflate_compressor, Free> compressor_;  // allocated at first use
  std::vector<uint8_t> joined_;    // the parts made contiguous, when there are several
  std::vector<uint8_t> deflated_;  // raw deflate output, sized to libdeflate's bound
};

}  // namespace warcwire

#endif  // WARCWIRE_DEFLATE_MEMBER_H_
