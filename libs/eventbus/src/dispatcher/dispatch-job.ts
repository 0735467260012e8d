import type { AckDecision } from '../policy/ack-decision';
import type { DeliverySemantics, InboundMessage } from '../transports/transport.port';

/** What one handling attempt gets. */
export interface AttemptContext {
  /**
   * 1-based count of handler attempts of this delivery in this process: 1, then 2, 3, ... for in-process
   * retries. A message the broker delivers again (after a release at shutdown, a crash, a rebalance) starts
   * at 1 again, so releases never consume attempts; the broker's own count is `message.deliveryCount`.
   */
  readonly attempt: number;
  /**
   * Aborted when the attempt times out or the dispatcher shuts down. A handler that ignores it keeps its
   * aggregate and its concurrency slot until it settles or `timeoutGraceMs` passed after the timeout.
   */
  readonly signal: AbortSignal;
}

/** One delivered message with what the dispatcher needs to order, run and settle it. */
export interface DispatchJob {
  readonly message: InboundMessage;
  readonly semantics: DeliverySemantics;
  /**
   * Jobs with the same key run one at a time, in ascending `message.sequence` (the aggregate's mailbox);
   * undefined: no ordering, the job runs as soon as a slot is free.
   */
  readonly orderingKey: string | undefined;
  /** Attempts before a failing domain event is dead-lettered; default: the dispatcher's `retry.maxAttempts`. */
  readonly maxAttempts?: number;
  /** Runs one attempt. A rejection is treated like a thrown handler error. */
  readonly run: (context: AttemptContext) => Promise<AckDecision>;
}
