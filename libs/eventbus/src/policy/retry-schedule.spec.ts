import { describe, expect, it } from 'vitest';
import { doublingDelayMs } from './retry-schedule';

describe('doublingDelayMs', () => {
  it('starts at the initial delay, doubles per failure and stops at the maximum', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => doublingDelayMs(n, 250, 5_000))).toEqual([
      250, 500, 1_000, 2_000, 4_000, 5_000,
    ]);
    expect(doublingDelayMs(2_000, 1_000, 60_000)).toBe(60_000);
  });
});
