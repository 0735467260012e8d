import type { DispatchJob } from './dispatch-job';

/** What the dispatcher reports, per message. */
export type DispatcherEventType =
  /** The handler succeeded; acknowledged. */
  | 'handled'
  /** An attempt failed; the domain event runs again after `delayMs`. */
  | 'retry-scheduled'
  /** Written to the dead-letter destination and acknowledged. */
  | 'dead-lettered'
  /** A raw message failed; acknowledged without handling (at-most-once). */
  | 'dropped'
  /** Skipped on request (`DiscardError`, `AckDecision.discard`); acknowledged. */
  | 'discarded'
  /** Left unacknowledged for the broker to deliver again (shutdown). */
  | 'released'
  /** An attempt exceeded `handlerTimeoutMs`. */
  | 'timed-out'
  /** The settlement itself failed (e.g. the dead-letter write); retried or released. */
  | 'settlement-failed';

export interface DispatcherEvent {
  readonly type: DispatcherEventType;
  readonly job: DispatchJob;
  readonly attempt: number;
  readonly reason?: string;
  readonly delayMs?: number;
}

/** Counters of every event type since start. */
export type DispatcherCounters = Record<DispatcherEventType, number>;

export function emptyCounters(): DispatcherCounters {
  return {
    handled: 0,
    'retry-scheduled': 0,
    'dead-lettered': 0,
    dropped: 0,
    discarded: 0,
    released: 0,
    'timed-out': 0,
    'settlement-failed': 0,
  };
}
