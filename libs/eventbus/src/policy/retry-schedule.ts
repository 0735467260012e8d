import type { RetryOptions } from '../options/event-bus.options';

/**
 * Exponential backoff with jitter: the delay before attempt `n + 1` after attempt `n` failed is
 * `min(maxDelayMs, initialDelayMs * multiplier^(n - 1))`, multiplied by a random factor in
 * `[1 - jitter, 1 + jitter]` and capped at `maxDelayMs` again.
 */
export function retryDelayMs(
  failedAttempt: number,
  retry: Required<RetryOptions>,
  random = Math.random,
): number {
  const base = Math.min(
    retry.maxDelayMs,
    retry.initialDelayMs * retry.multiplier ** Math.max(0, failedAttempt - 1),
  );
  const spread = 1 + retry.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(retry.maxDelayMs, Math.round(base * spread)));
}

/**
 * The delay before the next attempt when a handler asked for one (`RetryableError` or `AckDecision.retry`
 * with `delayMs`): the requested delay capped at `retry.maxDelayMs`; the backoff of `retryDelayMs` when
 * none was requested or the request is not a number of at least 0 (NaN, negative).
 */
export function requestedRetryDelayMs(
  requestedMs: number | undefined,
  failedAttempt: number,
  retry: Required<RetryOptions>,
  random = Math.random,
): number {
  if (typeof requestedMs === 'number' && requestedMs >= 0) return Math.min(requestedMs, retry.maxDelayMs);
  return retryDelayMs(failedAttempt, retry, random);
}

/**
 * A delay that doubles with every failure and stops growing at `maxMs`: `initialMs` after the first failure
 * (`previousFailures` 0), then `2 x`, `4 x`, ... For the transports' reconnects and the outbox relay's retries.
 */
export function doublingDelayMs(previousFailures: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, previousFailures));
}
