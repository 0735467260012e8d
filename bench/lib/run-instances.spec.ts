import { describe, expect, it } from 'vitest';
import { isBalanced } from './run-instances';

describe('isBalanced', () => {
  it('holds when every instance has its share and every partition is held', () => {
    expect(
      isBalanced(
        [
          [0, 3],
          [1, 4],
          [2, 5],
        ],
        6,
      ),
    ).toBe(true);
    expect(
      isBalanced(
        [
          [0, 1, 2],
          [3, 4],
        ],
        5,
      ),
    ).toBe(true);
    expect(isBalanced([[0, 1, 2, 3, 4, 5]], 6)).toBe(true);
  });

  it('does not hold while an instance has more or less than its share, or a partition is not held', () => {
    expect(isBalanced([[0, 1, 2, 3, 4, 5], [], []], 6)).toBe(false);
    expect(isBalanced([[0, 1, 2], [3, 4], [5]], 6)).toBe(false);
    expect(isBalanced([[0, 1], [2, 3], [4]], 6)).toBe(false);
    expect(
      isBalanced(
        [
          [0, 1],
          [2, 3],
          [4, 4],
        ],
        6,
      ),
    ).toBe(false);
  });
});
