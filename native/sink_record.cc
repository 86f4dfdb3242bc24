#include "sink_record.h"

#include <algorithm>
#include <cstring>

namespace warcwire {

bool ReadBlock(const Record& record, uint64_t at, uint8_t* dst, size_t len, Failure* failure) {
  if (!record.spool) {
    std::memcpy(dst, record.block + at, len);
    return true;
  }
  size_t got = 0;
  if (!record.spool->Read(at, dst, len, &got, failure)) return false;
  if (got != len) {
    failure->Set("ERR_SPOOL_IO", "the spool shrank while its record was being written");
    return false;
  }
  return true;
}

bool GatherRecord(const Record& record, uint64_t from, uint64_t to, std::vector<uint8_t>* out, Failure* failure) {
  out->resize(static_cast<size_t>(to - from));
  uint8_t* dst = out->data();
  const uint64_t blockStart = record.headerLen;
  const uint64_t blockEnd = blockStart + record.blockLen;
  auto copy = [&](const uint8_t* src, uint64_t start, uint64_t end) {
    uint64_t a = std::max(from, start);
    uint64_t b = std::min(to, end);
    if (a < b) std::memcpy(dst + (a - from), src + (a - start), static_cast<size_t>(b - a));
  };
  copy(record.header, 0, blockStart);
  copy(kRecordEnd, blockEnd, blockEnd + sizeof kRecordEnd);
  uint64_t a = std::max(from, blockStart);
  uint64_t b = std::min(to, blockEnd);
  return a >= b || ReadBlock(record, a - blockStart, dst + (a - from), static_cast<size_t>(b - a), failure);
}

bool RecordParts(const Record& record, std::vector<uint8_t>* scratch, std::vector<Part>* parts, Failure* failure) {
  parts->clear();
  parts->emplace_back(record.header, record.headerLen);
  if (record.spool) {
    scratch->resize(record.blockLen);
    if (record.blockLen > 0 && !ReadBlock(record, 0, scratch->data(), record.blockLen, failure)) return false;
    parts->emplace_back(scratch->data(), scratch->size());
  } else {
    parts->emplace_back(record.block, record.blockLen);
  }
  parts->emplace_back(kRecordEnd, sizeof kRecordEnd);
  return true;
}

}  // namespace warcwire
