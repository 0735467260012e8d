import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchHandler } from './contender';
import type { Recorder } from './recorder';

/**
 * The handler every contender runs: I/O-bound (`await sleep(delayMs)`, then recorded) or, with
 * `delayMs` 0, a synchronous no-op that only records.
 */
export function createBenchHandler(delayMs: number, recorder: Recorder): BenchHandler {
  if (delayMs <= 0) return (event) => recorder.record(event);
  return async (event) => {
    await sleep(delayMs);
    recorder.record(event);
  };
}
