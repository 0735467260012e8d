import { describe, expect, it } from 'vitest';
import { fnv1a32, partitionOf } from './fnv1a32';

describe('fnv1a32 / partitionOf', () => {
  it('computes the FNV-1a 32-bit reference values', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  // Read from nats-server 2.9.10 with the mappings `in.* -> out.{{wildcard(1)}}.{{partition(7,1)}}` and
  // `in16.* -> out16.{{wildcard(1)}}.{{partition(16,1)}}`.
  it.each([
    ['a', 5, 12],
    ['foobar', 0, 8],
    ['order-1', 1, 13],
    ['order-42', 4, 4],
    ['agg-199', 2, 10],
    ['ünïcode', 5, 11],
    ['x', 4, 7],
  ])('puts key %s where the server partition() mapping does', (key, of7, of16) => {
    expect(partitionOf(key, 7)).toBe(of7);
    expect(partitionOf(key, 16)).toBe(of16);
  });
});
