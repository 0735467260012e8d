import type { BenchEvent } from './bench-event';
import type { ProcessOutcome, RunStatus } from './contender';

/** One completed handling in an instance process, timed there (`nowMs()`). */
export interface Handling extends BenchEvent {
  readonly at: number;
}

/** What an instance process sends the harness over IPC. */
export type InstanceMessage =
  /** Until the harness says go, every 200 ms: the partitions it holds. */
  | { readonly kind: 'held'; readonly partitions: number[] }
  /** After go, every 50 ms: the handlings since the last batch. */
  | { readonly kind: 'handled'; readonly handlings: Handling[] }
  /** Last, before it exits. */
  | ({ readonly kind: 'result'; readonly partitionsAtEnd: number[] } & ProcessOutcome);

/** What the harness tells an instance process over IPC (after the job): start handling, then stop. */
export type InstanceOrder = { readonly kind: 'go' } | { readonly kind: 'stop'; readonly status: RunStatus };
