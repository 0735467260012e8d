import { describe, expect, it } from 'vitest';
import { boundedProducerRetry } from './producer-retry';

describe('boundedProducerRetry', () => {
  it('fits the retries by their backoff (300, 600, 1200, ... ms) into publishTimeoutMs', () => {
    expect(boundedProducerRetry(3_000).retries).toBe(3); // 300 + 600 + 1200
    expect(boundedProducerRetry(4_500).retries).toBe(4); // + 2400
    expect(boundedProducerRetry(30_000).retries).toBe(5); // kafkajs's default of 5 is the upper bound
  });

  it("keeps the client's settings, its retry count as upper bound and its delays as the measure", () => {
    expect(boundedProducerRetry(30_000, { retries: 2, initialRetryTime: 100 })).toEqual({
      retries: 2,
      initialRetryTime: 100,
    });
    expect(
      boundedProducerRetry(10_000, {
        retries: 50,
        initialRetryTime: 1_000,
        multiplier: 1,
        maxRetryTime: 1_000,
      }),
    ).toMatchObject({ retries: 10 });
    expect(
      boundedProducerRetry(1_000, { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 0 }).retries,
    ).toBe(100);
  });

  it('allows at least one retry, which kafkajs requires of an idempotent producer', () => {
    expect(boundedProducerRetry(100).retries).toBe(1);
    expect(boundedProducerRetry(30_000, { retries: 0 }).retries).toBe(1);
  });
});
