import { describe, expect, it } from 'vitest';
import { ACTIVE_POLL_MS, RelayPace } from './relay-pace';

const waits = (pace: RelayPace, n: number) => Array.from({ length: n }, () => pace.next());

describe('RelayPace', () => {
  it('polls every pollIntervalMs while nothing happens', () => {
    expect(waits(new RelayPace(1_000), 3)).toEqual([1_000, 1_000, 1_000]);
  });

  it('after activity polls soon, doubling the wait per quiet round up to pollIntervalMs', () => {
    const pace = new RelayPace(1_000);
    pace.active();
    expect(waits(pace, 9)).toEqual([10, 20, 40, 80, 160, 320, 640, 1_000, 1_000]);
    pace.active();
    expect(pace.next()).toBe(ACTIVE_POLL_MS);
  });

  it('never waits longer than pollIntervalMs, also when it is below the active wait', () => {
    const pace = new RelayPace(5);
    pace.active();
    expect(waits(pace, 2)).toEqual([5, 5]);
  });
});
