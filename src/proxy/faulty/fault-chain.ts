import type { Readable, Writable } from 'node:stream';
import { drawLatency } from './fault-plan';
import type { Fault } from './options';
import { bandwidthScheduler, latencyScheduler, ScheduledStream, sliceScheduler } from './scheduled-stream';
import { TripStream, type TripState } from './trip-stream';

/** A terminal fault firing mid-stream; the owner of the sockets carries it out. */
export type TripKind = 'reset' | 'close' | 'timeout' | 'limit-data';

export type Direction = 'up' | 'down';

/**
 * Pipes `source` into `sink` through the inside-phase faults: byte triggers
 * (reset/close/timeout after N bytes, shared by both directions through
 * `trip`; limit-data only downstream), then latency, bandwidth and slicing.
 * Returns the first stream of the chain, where extra input (e.g. bytes read
 * with the request head) can be written, and the last one, to unpipe.
 */
export function pipeWithFaults(
  source: Readable,
  sink: Writable,
  direction: Direction,
  faults: readonly Fault[],
  trip: TripState,
  onTrip: (kind: TripKind) => void,
  random: () => number,
): { first: Writable; last: Readable } {
  const stages: (TripStream | ScheduledStream)[] = [];
  for (const fault of faults) {
    switch (fault.kind) {
      case 'reset':
      case 'close':
      case 'timeout':
        stages.push(new TripStream(trip, fault.afterBytes, () => onTrip(fault.kind as TripKind)));
        break;
      case 'limit-data':
        if (direction === 'down') {
          stages.push(new TripStream({ bytes: 0, tripped: false }, fault.limitBytes, () => onTrip('limit-data'), true));
        }
        break;
      case 'latency':
        stages.push(new ScheduledStream(latencyScheduler(() => drawLatency(fault, random))));
        break;
      case 'bandwidth':
        stages.push(new ScheduledStream(bandwidthScheduler(fault.bytesPerSecond)));
        break;
      case 'slice':
        stages.push(new ScheduledStream(sliceScheduler(fault.sliceBytes, fault.sliceDelayMs)));
        break;
      default:
        break;
    }
  }
  let tail: Readable = source;
  for (const stage of stages) {
    tail.pipe(stage);
    tail = stage;
  }
  tail.pipe(sink);
  // Stages die with the receiving side (queued data still drains after the
  // source's FIN); their timers must not outlive it.
  const destroyStages = (): void => {
    for (const stage of stages) stage.destroy();
  };
  source.once('error', destroyStages);
  sink.once('close', destroyStages);
  return { first: stages[0] ?? sink, last: tail };
}
