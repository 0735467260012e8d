import { describe, expect, it } from 'vitest';
import { advanceReplayed, formatReplayedOffsets, parseReplayedOffsets } from './replayed-offsets';

describe('replayed offsets (Kafka commit metadata)', () => {
  it('round-trips offsets as ranges', () => {
    expect(formatReplayedOffsets([9, 5, 7, 8])).toBe('5,7-9');
    expect([...parseReplayedOffsets('5,7-9')]).toEqual([5, 7, 8, 9]);
    expect([...parseReplayedOffsets('junk,,3')]).toEqual([3]);
    expect(parseReplayedOffsets(null).size).toBe(0);
  });

  it('moves the committed offset over a contiguous run and keeps the rest above it', () => {
    expect(advanceReplayed(4, new Set(), [6])).toEqual({ committed: 4, above: new Set([6]) });
    expect(advanceReplayed(4, new Set([6]), [4, 5])).toEqual({ committed: 7, above: new Set() });
    expect(advanceReplayed(4, new Set([8]), [2, 4])).toEqual({ committed: 5, above: new Set([8]) });
  });
});
