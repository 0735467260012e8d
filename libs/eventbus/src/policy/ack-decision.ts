/** What happens to a message after one handling attempt. */
export type AckDecisionKind = 'ack' | 'retry' | 'dead-letter' | 'discard';

/**
 * The outcome of one attempt, as a value. Handlers and exception filters may return it (or throw it,
 * e.g. `throwError(() => AckDecision.retry({ delayMs: 5000 }))`) to choose the settlement explicitly:
 * - `ack()`: handled; acknowledge.
 * - `retry({ delayMs? })`: domain event: try again after the delay (capped at `retry.maxDelayMs`; the backoff
 *   when unset, NaN or negative), counting toward `retry.maxAttempts`, then dead-letter; raw message: drop.
 * - `deadLetter(reason)`: write to the dead-letter destination now, then acknowledge.
 * - `discard(reason)`: acknowledge without handling (logged and counted).
 */
export class AckDecision {
  private constructor(
    readonly kind: AckDecisionKind,
    readonly reason?: string,
    readonly delayMs?: number,
    /** The error that led to this decision, when there was one (its class and stack go into dead-letter headers). */
    readonly error?: unknown,
  ) {}

  private static readonly ACK = Object.freeze(new AckDecision('ack'));

  /** Always the same (frozen) value: there is nothing to tell one ack from another. */
  static ack(): AckDecision {
    return AckDecision.ACK;
  }

  static retry(options: { delayMs?: number; reason?: string; error?: unknown } = {}): AckDecision {
    return new AckDecision('retry', options.reason ?? 'retry requested', options.delayMs, options.error);
  }

  static deadLetter(reason: string, options: { error?: unknown } = {}): AckDecision {
    return new AckDecision('dead-letter', reason, undefined, options.error);
  }

  static discard(reason: string): AckDecision {
    return new AckDecision('discard', reason);
  }
}
