import type { RetryOptions } from 'kafkajs';

/** kafkajs's retry defaults (`retry` of the client config). */
const KAFKAJS_RETRY = { initialRetryTime: 300, multiplier: 2, maxRetryTime: 30_000, retries: 5 };
/** Whatever the delays, no more retries than this (zero delays would otherwise fit without end). */
const MAX_RETRIES = 100;

/**
 * The producer's retry settings. kafkajs retries an idempotent producer's requests without end
 * (`Number.MAX_SAFE_INTEGER` times, whatever the client's `retry` says), so a topic that cannot be written
 * or a broker that answers nothing would keep requests alive forever. Here the retries are bounded: as
 * many as fit, by their backoff delays, into `publishTimeoutMs`, at least 1 (kafkajs requires it for an
 * idempotent producer) and at most the client's `retry.retries` (default 5; never more than 100). The
 * other settings are the client's.
 */
export function boundedProducerRetry(publishTimeoutMs: number, client: RetryOptions = {}): RetryOptions {
  const settings = { ...KAFKAJS_RETRY, ...client };
  let retries = 0;
  let waited = 0;
  let delay = settings.initialRetryTime;
  while (retries < Math.min(settings.retries, MAX_RETRIES) && waited + delay <= publishTimeoutMs) {
    waited += delay;
    retries++;
    delay = Math.min(delay * settings.multiplier, settings.maxRetryTime);
  }
  return { ...client, retries: Math.max(1, retries) };
}
