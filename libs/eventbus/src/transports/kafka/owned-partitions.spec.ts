import { describe, expect, it } from 'vitest';
import { OwnedPartitions } from './owned-partitions';

describe('OwnedPartitions', () => {
  it('offers commits only for owned partitions whose watermark moved', () => {
    const owned = new OwnedPartitions();
    owned.assign({ orders: [0, 1] });
    owned.get('orders', 0).track(4);
    owned.get('orders', 0).settle(4);
    owned.get('orders', 1).track(0);
    expect(owned.pendingCommits().map((c) => [c.watermark.partition, c.offset])).toEqual([
      [0, 5],
      [1, 0],
    ]);
  });

  it('keeps the watermark of a retained partition and revokes the rest on reassignment', () => {
    const owned = new OwnedPartitions();
    owned.assign({ orders: [0, 1] });
    const kept = owned.get('orders', 0);
    const revoked = owned.get('orders', 1);
    kept.track(3);
    revoked.track(7);

    const retained = owned.assign({ orders: [0, 2] });

    expect(retained).toEqual([kept]);
    expect(owned.get('orders', 0)).toBe(kept);
    expect(revoked.revoked).toBe(true);
    // a late settlement of the revoked partition commits nothing
    revoked.settle(7);
    expect(owned.pendingCommits().map((c) => c.watermark)).toEqual([kept]);
    // a newly assigned partition starts empty
    expect(owned.get('orders', 2).watermark).toBeUndefined();
  });

  it('revokes everything when the membership ends', () => {
    const owned = new OwnedPartitions();
    owned.assign({ orders: [0], audit: [0] });
    const watermark = owned.get('audit', 0);
    watermark.track(0);
    owned.revokeAll();
    expect(watermark.revoked).toBe(true);
    expect(owned.pendingCommits()).toEqual([]);
  });
});
