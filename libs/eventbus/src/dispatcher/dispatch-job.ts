import type { AckDecision } from '../policy/ack-decision';
import type { DeliverySemantics, InboundMessage } from '../transports/transport.port';

/** What one handling attempt gets. */
export interface AttemptContext {
  /** 1-based: the broker's delivery count plus the in-process retries so far. */
  readonly attempt: number;
  /** Aborted when the attempt times out or the dispatcher shuts down. */
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
