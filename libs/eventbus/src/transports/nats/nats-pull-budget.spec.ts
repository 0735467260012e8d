import { describe, expect, it } from 'vitest';
import { CONNECTION_PULL_BUDGET, MIN_PULL_BATCH, pullBatch } from './nats-pull-budget';

describe('pullBatch', () => {
  it('shares one budget among the loops of a connection, at least MIN_PULL_BATCH each, never above maxAckPending', () => {
    expect(pullBatch(1, 10_000)).toBe(CONNECTION_PULL_BUDGET);
    expect(pullBatch(0, 10_000)).toBe(CONNECTION_PULL_BUDGET);
    expect(pullBatch(6, 10_000)).toBe(85);
    expect(6 * pullBatch(6, 10_000)).toBeLessThanOrEqual(CONNECTION_PULL_BUDGET);
    expect(pullBatch(1_000, 10_000)).toBe(MIN_PULL_BATCH);
    expect(pullBatch(16, 10_000)).toBe(MIN_PULL_BATCH);
    expect(pullBatch(1, 100)).toBe(100);
    expect(pullBatch(6, 10)).toBe(10);
  });

  it('asks for MIN_PULL_BATCH while the core is backlogged, never above maxAckPending', () => {
    expect(pullBatch(1, 10_000, true)).toBe(MIN_PULL_BATCH);
    expect(pullBatch(6, 10_000, true)).toBe(MIN_PULL_BATCH);
    expect(pullBatch(1, 10, true)).toBe(10);
    expect(pullBatch(1, 10_000, false)).toBe(CONNECTION_PULL_BUDGET);
  });
});
