import { describe, expect, it } from 'vitest';
import { PartitionWatermark } from './partition-watermark';

function delivered(...offsets: number[]): PartitionWatermark {
  const watermark = new PartitionWatermark('orders', 0);
  for (const offset of offsets) expect(watermark.track(offset)).toBe(true);
  return watermark;
}

describe('PartitionWatermark', () => {
  it('has nothing to commit before the first delivery', () => {
    const watermark = new PartitionWatermark('orders', 0);
    expect(watermark.watermark).toBeUndefined();
    expect(watermark.uncommitted()).toBeUndefined();
  });

  it('stays at the lowest unsettled offset however many later ones settled', () => {
    const watermark = delivered(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    for (let offset = 1; offset <= 9; offset++) watermark.settle(offset);
    expect(watermark.watermark).toBe(0);
    expect(watermark.pendingCount).toBe(1);
    watermark.settle(0);
    expect(watermark.watermark).toBe(10);
    expect(watermark.pendingCount).toBe(0);
  });

  it('advances contiguously as settlements fill the gaps', () => {
    const watermark = delivered(5, 6, 7, 8);
    watermark.settle(7);
    expect(watermark.watermark).toBe(5);
    watermark.settle(5);
    expect(watermark.watermark).toBe(6);
    watermark.settle(6);
    expect(watermark.watermark).toBe(8);
    watermark.settle(8);
    expect(watermark.watermark).toBe(9);
  });

  it('follows delivered offsets, not integers: gaps in the log do not hold it back', () => {
    const watermark = delivered(10, 13, 20);
    watermark.settle(10);
    expect(watermark.watermark).toBe(13);
    watermark.settle(20);
    watermark.settle(13);
    expect(watermark.watermark).toBe(21);
  });

  it('passes records that were skipped (transaction markers) once everything before settled', () => {
    const watermark = delivered(0, 1);
    watermark.skipTo(3);
    expect(watermark.watermark).toBe(0);
    watermark.settle(0);
    watermark.settle(1);
    expect(watermark.watermark).toBe(3);
    expect(watermark.nextOffset).toBe(3);
  });

  it('ignores settling an unknown offset or the same offset twice', () => {
    const watermark = delivered(0, 1);
    expect(watermark.settle(7)).toBe(false);
    expect(watermark.settle(1)).toBe(true);
    expect(watermark.settle(1)).toBe(false);
    expect(watermark.watermark).toBe(0);
  });

  it('refuses offsets below the fetch position: they were delivered already', () => {
    const watermark = delivered(0, 1, 2);
    expect(watermark.track(1)).toBe(false);
    expect(watermark.pendingCount).toBe(3);
    expect(watermark.track(3)).toBe(true);
  });

  it('offers each watermark for commit once, and nothing once revoked', () => {
    const watermark = delivered(0, 1);
    watermark.settle(0);
    expect(watermark.uncommitted()).toBe(1);
    watermark.markCommitted(1);
    expect(watermark.uncommitted()).toBeUndefined();
    watermark.settle(1);
    expect(watermark.uncommitted()).toBe(2);
    watermark.revoke();
    expect(watermark.revoked).toBe(true);
    expect(watermark.uncommitted()).toBeUndefined();
  });

  it('stays correct over many out-of-order settlements (compaction of settled entries)', () => {
    const watermark = new PartitionWatermark('orders', 0);
    const count = 10_000;
    for (let offset = 0; offset < count; offset++) watermark.track(offset);
    // settle in reverse pairs: 1,0,3,2,... keeping a single hole until its partner settles
    for (let offset = 0; offset < count; offset += 2) {
      watermark.settle(offset + 1);
      expect(watermark.watermark).toBe(offset);
      watermark.settle(offset);
      expect(watermark.watermark).toBe(offset + 2);
    }
    expect(watermark.pendingCount).toBe(0);
    expect(watermark.track(count)).toBe(true);
    expect(watermark.watermark).toBe(count);
  });
});
