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
  /** Left unacknowledged for the broker to deliver again (shutdown, or another consumer owns it now). */
  | 'released'
  /**
   * An attempt exceeded `handlerTimeoutMs`: its signal is aborted and it counts as failed, but its aggregate
   * waits (and its concurrency slot stays taken) until the handler settles or `timeoutGraceMs` passes.
   */
  | 'timed-out'
  /**
   * A timed-out handler was still running `timeoutGraceMs` after its timeout: the dispatcher stops waiting
   * for it (its result is ignored), frees its aggregate and slot, and retries or dead-letters the event. The
   * abandoned call may still be running.
   */
  | 'abandoned'
  /**
   * A settlement failed: a dead-letter write the broker refused (retried with backoff after `delayMs` while
   * only its aggregate waits; released at shutdown), an ack or release that threw, or a settlement still
   * unconfirmed when `close()` ended. The server reports every one as an error (log and `server.on('error')`).
   */
  | 'settlement-failed';

export interface DispatcherEvent {
  readonly type: DispatcherEventType;
  readonly job: DispatchJob;
  /** 1-based handler attempt of this delivery in this process. */
  readonly attempt: number;
  readonly reason?: string;
  /** `retry-scheduled`: delay before the next attempt; `settlement-failed`: delay before the next write (ms). */
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
    abandoned: 0,
    'settlement-failed': 0,
  };
}
