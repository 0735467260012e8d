import type { LoggerService } from '@nestjs/common';
import type { TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { OffsetCommitter } from './offset-committer';
import { OwnedPartitions } from './owned-partitions';

function setup() {
  const owned = new OwnedPartitions();
  owned.assign({ orders: [0] });
  const watermark = owned.get('orders', 0);
  const calls: TopicPartitionOffsetAndMetadata[][] = [];
  let release: (() => void) | undefined;
  let fail = false;
  const logger: LoggerService = { log: vi.fn(), error: vi.fn(), warn: vi.fn() };
  const committer = new OffsetCommitter(
    owned,
    (offsets) => {
      calls.push(offsets);
      if (fail) return Promise.reject(new Error('coordinator moved'));
      return new Promise<void>((resolve) => (release = resolve));
    },
    logger,
  );
  return {
    owned,
    watermark,
    calls,
    committer,
    logger,
    finish: () => release?.(),
    failNext: (f: boolean) => (fail = f),
  };
}

describe('OffsetCommitter', () => {
  it('commits the watermark once and nothing when it did not move', async () => {
    const { watermark, calls, committer, finish } = setup();
    watermark.track(0);
    watermark.track(1);
    watermark.settle(0);
    const done = committer.commit();
    finish();
    await done;
    expect(calls).toEqual([[{ topic: 'orders', partition: 0, offset: '1' }]]);
    await committer.commit();
    expect(calls).toHaveLength(1);
  });

  it('coalesces requests made during a commit into one follow-up with the latest watermark', async () => {
    const { watermark, calls, committer, finish } = setup();
    watermark.track(0);
    watermark.track(1);
    watermark.settle(0);
    const first = committer.commit();
    watermark.settle(1);
    const second = committer.commit();
    const third = committer.commit();
    expect(second).toBe(third);
    finish();
    await first;
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    finish();
    await second;
    expect(calls.map((c) => c[0].offset)).toEqual(['1', '2']);
  });

  it('logs a failed commit and commits the same watermark on the next attempt', async () => {
    const { watermark, calls, committer, logger, finish, failNext } = setup();
    watermark.track(0);
    watermark.settle(0);
    failNext(true);
    await committer.commit();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('coordinator moved'));
    failNext(false);
    const retry = committer.commit();
    finish();
    await retry;
    expect(calls.map((c) => c[0].offset)).toEqual(['1', '1']);
  });

  it('never commits a revoked partition', async () => {
    const { owned, watermark, calls, committer } = setup();
    watermark.track(0);
    owned.assign({ orders: [1] });
    watermark.settle(0);
    await committer.commit();
    expect(calls).toEqual([]);
  });
});
