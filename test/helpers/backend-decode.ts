/** Drives a MemberDecoder over a byte string the way a WARC reader would. */
import type { MemberDecoder } from '../../src/backend/types';

export interface DecodedMembers {
  members: Buffer[];
  /** Absolute end offset of each member in the input. */
  ends: number[];
  /** Bytes decoded after the last member end (a partial member). */
  partial: Buffer;
  /** Largest output of one write() call. */
  maxStepOutput: number;
}

/** Feeds `data` in `chunkSize` pieces (draining pending output), splitting the output at each reported member end. */
export function decodeMembers(decoder: MemberDecoder, data: Buffer, chunkSize: number): DecodedMembers {
  const members: Buffer[] = [];
  const ends: number[] = [];
  let current: Buffer[] = [];
  let position = 0;
  let maxStepOutput = 0;
  let pending = false;
  for (let start = 0; start < data.length; start += chunkSize) {
    let rest = data.subarray(start, Math.min(start + chunkSize, data.length));
    while (rest.length > 0 || pending) {
      const step = decoder.write(rest);
      pending = step.pending;
      maxStepOutput = Math.max(maxStepOutput, step.output.length);
      if (step.output.length > 0) current.push(step.output);
      if (step.consumed > rest.length) throw new Error(`decoder consumed ${step.consumed} of ${rest.length} bytes`);
      position += step.consumed;
      rest = rest.subarray(step.consumed);
      if (step.memberEnd) {
        if (step.pending) throw new Error(`decoder ended a member at ${position} with output pending`);
        members.push(Buffer.concat(current));
        ends.push(position);
        current = [];
      } else if (step.pending) {
        continue;
      } else if (step.consumed === 0 && rest.length > 0) {
        throw new Error(`decoder made no progress at offset ${position}`);
      } else if (rest.length > 0) {
        throw new Error(`decoder stopped at ${position} without a member end`);
      }
    }
  }
  return { members, ends, partial: Buffer.concat(current), maxStepOutput };
}
