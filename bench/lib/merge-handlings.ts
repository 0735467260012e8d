import type { EventShape } from './bench-event';
import type { Handling } from './instance-messages';
import { Recorder, type RecorderReport } from './recorder';

/**
 * The handlings of several instances checked as one run: in time order, so each event's first handling on any
 * instance is the one that counts for completeness and per-aggregate order, and later ones are duplicates.
 */
export function mergeHandlings(shape: EventShape, handlings: readonly Handling[]): RecorderReport {
  const recorder = new Recorder(shape);
  for (const handling of [...handlings].sort((a, b) => a.at - b.at)) recorder.record(handling, handling.at);
  return recorder.report();
}
