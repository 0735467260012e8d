import { HandlerOutcomeError } from './handler-outcome.error';

/**
 * Thrown by a handler: the failure is transient. A domain event is retried (in process, only its aggregate
 * waits) after `delayMs` capped at `retry.maxDelayMs`, or after the retry policy's backoff when `delayMs` is
 * unset, NaN or negative; it counts toward `retry.maxAttempts`.
 * A raw message is dropped (at-most-once).
 */
export class RetryableError extends HandlerOutcomeError {
  override readonly name = 'RetryableError';
  readonly delayMs: number | undefined;

  constructor(message: string, options: { delayMs?: number; cause?: unknown } = {}) {
    super(message, options.cause);
    this.delayMs = options.delayMs;
  }
}
