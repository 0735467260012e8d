import { describe, expect, it } from 'vitest';
import { assignedPartitions } from './partition-assignment';

describe('assignedPartitions', () => {
  it('gives every partition to exactly one member, evenly, whatever order members are listed in', () => {
    for (const partitions of [1, 2, 7, 12, 16]) {
      for (const count of [1, 2, 3, 5, 20]) {
        const members = Array.from({ length: count }, (_, i) => `member-${(i * 7919) % 1009}`);
        const shuffled = [...members].reverse();
        const owners = new Map<number, string[]>();
        const sizes: number[] = [];
        for (const member of members) {
          const mine = assignedPartitions(shuffled, member, partitions);
          expect(assignedPartitions(members, member, partitions)).toEqual(mine);
          sizes.push(mine.length);
          for (const p of mine) owners.set(p, [...(owners.get(p) ?? []), member]);
        }
        expect([...owners.keys()].sort((a, b) => a - b)).toEqual([...Array(partitions).keys()]);
        expect([...owners.values()].every((list) => list.length === 1)).toBe(true);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('assigns nothing to an instance that is not a live member, and ignores duplicates', () => {
    expect(assignedPartitions(['a', 'b'], 'c', 4)).toEqual([]);
    expect(assignedPartitions(['b', 'a', 'a'], 'a', 4)).toEqual([0, 2]);
    expect(assignedPartitions(['b', 'a', 'a'], 'b', 4)).toEqual([1, 3]);
  });
});
