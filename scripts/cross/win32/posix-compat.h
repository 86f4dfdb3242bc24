/*
 * POSIX calls the addon uses that the Windows C runtime (msvcrt, through mingw-w64) lacks or
 * spells differently. Force-included (-include) by scripts/cross/build-win32.js only: the
 * addon's sources are written for POSIX, and this file maps each call onto the Win32
 * equivalent with the same meaning, so the same sources build for win32-x64.
 */
#ifndef WARCWIRE_CROSS_POSIX_COMPAT_H_
#define WARCWIRE_CROSS_POSIX_COMPAT_H_
#ifdef _WIN32

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#ifndef NOMINMAX
#define NOMINMAX /* keep std::numeric_limits<T>::max() usable */
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

/* Every open() in the addon passes O_CLOEXEC; on Windows the same call must also ask for binary
 * mode, or the CRT would turn each \n written into \r\n and corrupt WARC bytes. */
#ifndef O_CLOEXEC
#define O_CLOEXEC (_O_NOINHERIT | _O_BINARY)
#endif

/* The CRT never reports a quota error; the value is Winsock's WSAEDQUOT, unused by errno. */
#ifndef EDQUOT
#define EDQUOT 10069
#endif

static inline int warcwire_errno_from_win32(DWORD e) {
  switch (e) {
    case ERROR_HANDLE_DISK_FULL:
    case ERROR_DISK_FULL: return ENOSPC;
    case ERROR_ACCESS_DENIED: return EACCES;
    case ERROR_INVALID_HANDLE: return EBADF;
    case ERROR_FILE_TOO_LARGE: return EFBIG;
    default: return EIO;
  }
}

/* Positional I/O: an OVERLAPPED offset on a synchronous handle reads/writes at that offset. */
static inline ssize_t pread(int fd, void* buf, size_t len, off64_t offset) {
  HANDLE h = (HANDLE)_get_osfhandle(fd);
  if (h == INVALID_HANDLE_VALUE) { errno = EBADF; return -1; }
  OVERLAPPED ov;
  memset(&ov, 0, sizeof ov);
  ov.Offset = (DWORD)((unsigned long long)offset & 0xffffffffu);
  ov.OffsetHigh = (DWORD)((unsigned long long)offset >> 32);
  DWORD got = 0;
  if (!ReadFile(h, buf, len > 0x40000000u ? 0x40000000u : (DWORD)len, &got, &ov)) {
    DWORD e = GetLastError();
    if (e == ERROR_HANDLE_EOF) return 0;
    errno = warcwire_errno_from_win32(e);
    return -1;
  }
  return (ssize_t)got;
}

static inline ssize_t pwrite(int fd, const void* buf, size_t len, off64_t offset) {
  HANDLE h = (HANDLE)_get_osfhandle(fd);
  if (h == INVALID_HANDLE_VALUE) { errno = EBADF; return -1; }
  OVERLAPPED ov;
  memset(&ov, 0, sizeof ov);
  ov.Offset = (DWORD)((unsigned long long)offset & 0xffffffffu);
  ov.OffsetHigh = (DWORD)((unsigned long long)offset >> 32);
  DWORD put = 0;
  if (!WriteFile(h, buf, len > 0x40000000u ? 0x40000000u : (DWORD)len, &put, &ov)) {
    errno = warcwire_errno_from_win32(GetLastError());
    return -1;
  }
  return (ssize_t)put;
}

static inline int fsync(int fd) { return _commit(fd); }

/* mkostemp: a new file from a XXXXXX template, created exclusively, readable and writable by
 * the owner only. _O_TEMPORARY (FILE_FLAG_DELETE_ON_CLOSE, opened with FILE_SHARE_DELETE) gives
 * the POSIX "unlink while open" meaning: the file goes away when its last handle closes, even
 * if the process dies, and the caller's unlink() right after succeeds. */
static inline int mkostemp(char* tmpl, int flags) {
  size_t n = strlen(tmpl);
  if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0) { errno = EINVAL; return -1; }
  for (int attempt = 0; attempt < 100; attempt++) {
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned long long r = ((unsigned long long)GetTickCount64() << 16) ^ (unsigned long long)GetCurrentThreadId() ^
                           ((unsigned long long)attempt * 0x9E3779B97F4A7C15ull) ^ (unsigned long long)(size_t)tmpl;
    LARGE_INTEGER pc;
    QueryPerformanceCounter(&pc);
    r ^= (unsigned long long)pc.QuadPart * 0xBF58476D1CE4E5B9ull;
    for (int i = 0; i < 6; i++) {
      tmpl[n - 6 + i] = digits[r % 36];
      r /= 36;
    }
    int fd = _open(tmpl, _O_RDWR | _O_CREAT | _O_EXCL | _O_BINARY | _O_TEMPORARY | _O_NOINHERIT | (flags & ~O_CLOEXEC),
                   _S_IREAD | _S_IWRITE);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

/* The addon names system errors with uv_err_name(-errno) / uv_strerror(-errno). On Windows
 * libuv numbers its errors differently from the C runtime's errno (UV_ENOENT is -4058, ENOENT
 * is 2), so the same calls would say "Unknown system error -2". uv.h is included here first,
 * then both calls are routed through the table below, which gives the POSIX names and libuv's
 * wording for the C runtime's errno values. */
#ifdef __cplusplus
#include <uv.h>
static inline const char* warcwire_crt_error(int negated, int want_name) {
  switch (-negated) {
#define WARCWIRE_ERR(code, text) \
  case code:                     \
    return want_name ? #code : text;
    WARCWIRE_ERR(ENOENT, "no such file or directory")
    WARCWIRE_ERR(EACCES, "permission denied")
    WARCWIRE_ERR(EPERM, "operation not permitted")
    WARCWIRE_ERR(EEXIST, "file already exists")
    WARCWIRE_ERR(ENOSPC, "no space left on device")
    WARCWIRE_ERR(EFBIG, "file too large")
    WARCWIRE_ERR(EIO, "i/o error")
    WARCWIRE_ERR(EBADF, "bad file descriptor")
    WARCWIRE_ERR(EINVAL, "invalid argument")
    WARCWIRE_ERR(EMFILE, "too many open files")
    WARCWIRE_ERR(ENOTDIR, "not a directory")
    WARCWIRE_ERR(EISDIR, "illegal operation on a directory")
    WARCWIRE_ERR(EROFS, "read-only file system")
    WARCWIRE_ERR(EDQUOT, "disk quota exceeded")
    WARCWIRE_ERR(ENOMEM, "not enough memory")
#undef WARCWIRE_ERR
    default:
      return want_name ? uv_err_name(negated) : uv_strerror(negated);
  }
}
#define uv_err_name(negated) warcwire_crt_error((negated), 1)
#define uv_strerror(negated) warcwire_crt_error((negated), 0)
#endif /* __cplusplus */

#endif /* _WIN32 */
#endif /* WARCWIRE_CROSS_POSIX_COMPAT_H_ */
