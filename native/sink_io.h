// The file side of RecordSink, run on its single writer job: open (with preamble),
// write members (coalesced, or streamed for large records), close with fsync.
// A failed write cuts the file back to the end of the last complete member.
#ifndef WARCWIRE_SINK_IO_H_
#define WARCWIRE_SINK_IO_H_

#include <vector>

#include "sink.h"

namespace warcwire {

void OpenFile(SinkFile* file, Failure* failure);
// Compresses and writes a record chunk by chunk with the writer's own compressor.
void AppendStreamed(SinkFile* file, RecordSink::Job* job);
// Writes members compressed ahead, in order, with as few syscalls as possible.
void WritePrecompressed(SinkFile* file, const std::vector<RecordSink::Job*>& group);
void CloseFile(SinkFile* file, Failure* failure);

}  // namespace warcwire

#endif  // WARCWIRE_SINK_IO_H_
