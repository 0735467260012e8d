import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchEvent } from './bench-event';
import type { BenchHandler } from './contender';

/** Where the handler records each completed handling (a `Recorder`, or an instance's `HandlingStream`). */
export interface HandledSink {
  record(event: BenchEvent): void;
}

/**
 * The handler every contender runs: I/O-bound (`await sleep(delayMs)`, then recorded) or, with
 * `delayMs` 0, a synchronous no-op that only records.
 */
export function createBenchHandler(delayMs: number, sink: HandledSink): BenchHandler {
  if (delayMs <= 0) return (event) => sink.record(event);
  return async (event) => {
    await sleep(delayMs);
    sink.record(event);
  };
}
