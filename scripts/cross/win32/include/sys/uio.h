/*
 * <sys/uio.h> for the mingw-w64 cross build (scripts/cross/build-win32.js puts this directory on
 * the include path of the addon's C++ sources): the Windows C runtime has no writev, so it is
 * one _write per buffer. A short write ends the call with the bytes written so far, which
 * callers of writev already handle.
 */
#ifndef WARCWIRE_CROSS_SYS_UIO_H_
#define WARCWIRE_CROSS_SYS_UIO_H_

#include <errno.h>
#include <io.h>
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

struct iovec {
  void* iov_base;
  size_t iov_len;
};

static inline ssize_t writev(int fd, const struct iovec* iov, int count) {
  ssize_t total = 0;
  for (int i = 0; i < count; i++) {
    size_t len = iov[i].iov_len;
    const char* p = (const char*)iov[i].iov_base;
    while (len > 0) {
      unsigned int chunk = len > 0x40000000u ? 0x40000000u : (unsigned int)len;
      int n = _write(fd, p, chunk);
      if (n < 0) return total > 0 ? total : -1;
      total += n;
      if ((unsigned int)n < chunk) return total;
      p += n;
      len -= (size_t)n;
    }
  }
  return total;
}

#endif /* WARCWIRE_CROSS_SYS_UIO_H_ */
