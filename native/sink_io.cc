#include "sink_io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>

#include "fault.h"

namespace warcwire {

namespace {

using Job = RecordSink::Job;

constexpr size_t kSpoolChunk = 1024 * 1024;

// False (with the failure set) when the sink cannot take records at all.
bool Writable(SinkFile* file, Failure* failure) {
  if (!file->fd.valid()) {
    failure->Set("ERR_SINK_CLOSED", "the record sink for " + file->path + " is not open");
    return false;
  }
  if (file->damaged) {
    failure->Set("ERR_SINK_WRITE", file->path + " holds a partly written record that could not be removed; "
                                                "no further records are appended to it");
    return false;
  }
  return true;
}

// Cuts away a partial member so every earlier member still decodes.
bool CutBack(SinkFile* file, uint64_t start) {
  for (;;) {
    if (ftruncate(file->fd.get(), static_cast<off_t>(start)) == 0) return true;
    if (errno != EINTR) break;
  }
  file->damaged = true;
  return false;
}

void FailWrite(SinkFile* file, Failure* failure, int err, uint64_t start) {
  bool cut = CutBack(file, start);
  // Same wording as the js backend.
  std::string what = err == ENOSPC   ? "no space left on the device"
                     : err == EFBIG  ? "file too large (beyond the file size limit)"
                     : err == EDQUOT ? "disk quota exceeded"
                     : err == EIO    ? "input/output error on the device"
                     : err == EROFS  ? "read-only file system"
                                     : ErrnoText(err);
  failure->Set("ERR_SINK_WRITE",
               "cannot write to " + file->path + ": " + what + " (" + ErrnoName(err) + "); the record was " +
                   (cut ? "not written and the file was cut back to " + std::to_string(start) + " bytes"
                        : "partly written and could not be removed"),
               err);
}



// writev() of whole members; *done receives the bytes written even on failure.
bool WritevAll(int fd, std::vector<iovec>* iov, uint64_t* done, int* err) {
  size_t index = 0;
  *done = 0;
  while (index < iov->size()) {
    int count = static_cast<int>(std::min<size_t>(iov->size() - index, IOV_MAX));
    ssize_t n = ::writev(fd, iov->data() + index, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return false;
    }
    *done += static_cast<uint64_t>(n);
    size_t left = static_cast<size_t>(n);
    while (index < iov->size() && left >= (*iov)[index].iov_len) left -= (*iov)[index++].iov_len;
    if (left > 0) {
      (*iov)[index].iov_base = static_cast<uint8_t*>((*iov)[index].iov_base) + left;
      (*iov)[index].iov_len -= left;
    }
  }
  return true;
}

void WriteOne(SinkFile* file, Job* job) {
  if (!Writable(file, &job->failure)) return;
  Record& record = *job->record();
  const uint64_t start = file->size;
  int err = 0;
  if (!WriteAll(file->fd.get(), record.member.data(), record.member.size(), &err)) {
    FailWrite(file, &job->failure, err, start);
    return;
  }
  record.offset = start;
  record.length = record.member.size();
  file->size = start + record.length;
}

}  // namespace

void OpenFile(SinkFile* file, Failure* failure) {
  UniqueFd fd(::open(file->path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    int err = errno;
    std::string why = err == ENOENT ? "the directory does not exist (ENOENT)" : ErrnoDescription(err);
    failure->Set("ERR_SINK_OPEN", "cannot open " + file->path + " for writing: " + why, err);
    return;
  }
  // lseek rather than fstat: fstat64 would tie the prebuild to glibc >= 2.33.
  off_t end = lseek(fd.get(), 0, SEEK_END);
  if (end < 0) {
    int err = errno;
    failure->Set("ERR_SINK_OPEN", "cannot find the end of " + file->path + ": " + ErrnoDescription(err), err);
    return;
  }
  file->compressor = Compressor::Create(file->config, failure);
  if (!file->compressor) return;
  file->size = static_cast<uint64_t>(end);
  if (file->size == 0 && !file->preamble.empty()) {
    int err = 0;
    if (!WriteAll(fd.get(), file->preamble.data(), file->preamble.size(), &err)) {
      if (ftruncate(fd.get(), 0) != 0) file->damaged = true;
      failure->Set("ERR_SINK_WRITE", "cannot write the preamble of " + file->path + ": " + ErrnoDescription(err), err);
      return;
    }
    file->size = file->preamble.size();
  }
  file->fd = std::move(fd);
}

// A record too large to hold compressed in memory: compress and write it chunk by chunk.
void AppendStreamed(SinkFile* file, Job* job) {
  Failure* failure = &job->failure;
  if (!Writable(file, failure)) return;
  Record& record = *job->record();
  const uint64_t start = file->size;
  uint64_t written = 0;
  int writeErr = 0;
  Emit emit = [&](const uint8_t* data, size_t len) {
    if (!WriteAll(file->fd.get(), data, len, &writeErr)) return false;
    written += len;
    return true;
  };
  InjectAllocFault();
  Compressor* c = file->compressor.get();
  bool ok = c->Begin(record.Total(), failure) && c->Feed(record.header, record.headerLen, false, emit, failure);
  if (ok && record.spool) {
    std::vector<uint8_t> chunk(static_cast<size_t>(std::min<uint64_t>(kSpoolChunk, record.blockLen)));
    for (uint64_t at = 0; ok && at < record.blockLen;) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(chunk.size(), record.blockLen - at));
      ok = ReadBlock(record, at, chunk.data(), want, failure) && c->Feed(chunk.data(), want, false, emit, failure);
      at += want;
    }
  } else if (ok) {
    ok = c->Feed(record.block, record.blockLen, false, emit, failure);
  }
  if (ok) ok = c->Feed(kRecordEnd, sizeof kRecordEnd, true, emit, failure);
  if (ok) {
    record.offset = start;
    record.length = written;
    file->size = start + written;
  } else if (writeErr != 0) {
    FailWrite(file, failure, writeErr, start);
  } else {
    CutBack(file, start);  // a spool or compressor failure: its message stands
  }
}

// Members compressed ahead, written with as few syscalls as possible. When the
// combined write fails, the members it completed stand and the rest go one by one,
// so each record succeeds or fails on its own, exactly as with separate writes.
void WritePrecompressed(SinkFile* file, const std::vector<Job*>& group) {
  if (group.empty()) return;
  Failure unavailable;
  if (!Writable(file, &unavailable)) {
    for (Job* job : group) job->failure = unavailable;
    return;
  }
  std::vector<iovec> iov;
  iov.reserve(group.size());
  for (Job* job : group) iov.push_back({job->record()->member.data(), job->record()->member.size()});
  const uint64_t start = file->size;
  uint64_t done = 0;
  int err = 0;
  bool ok = WritevAll(file->fd.get(), &iov, &done, &err);
  uint64_t at = start;
  size_t i = 0;
  for (; i < group.size() && (ok || at + group[i]->record()->member.size() <= start + done); i++) {
    Record& record = *group[i]->record();
    record.offset = at;
    record.length = record.member.size();
    at += record.length;
  }
  file->size = at;
  if (ok) return;
  if (!CutBack(file, at)) {
    for (; i < group.size(); i++) FailWrite(file, &group[i]->failure, err, at);
    return;
  }
  for (; i < group.size(); i++) WriteOne(file, group[i]);
}

void CloseFile(SinkFile* file, Failure* failure) {
  if (!file->fd.valid()) return;
  int err = 0;
  // EINVAL: the path is a pipe or device that cannot be synced; nothing to flush.
  if (fsync(file->fd.get()) != 0 && errno != EINVAL) err = errno;
  int closeErr = file->fd.Reset();
  if (err == 0) err = closeErr;
  file->compressor.reset();
  if (err != 0) failure->Set("ERR_SINK_WRITE", "cannot flush " + file->path + " to disk: " + ErrnoDescription(err), err);
}

}  // namespace warcwire
