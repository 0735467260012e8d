import { describe, expect, it } from 'vitest';
import { subjectCovers } from './nats-subject-match';

describe('subjectCovers', () => {
  it.each([
    ['orders', 'orders', true],
    ['orders', 'orders.dlq', false],
    ['orders.*', 'orders.placed', true],
    ['orders.*', 'orders.placed.dlq', false],
    ['orders.>', 'orders.placed.dlq', true],
    ['orders.>', 'orders', false],
    ['orders.>', 'orders.*', true],
    ['orders.*', 'orders.>', false],
    ['orders.placed', 'orders.*', false],
    ['*.placed', 'orders.placed', true],
    ['>', 'anything.at.all', true],
  ])('%s covers %s: %s', (pattern, subject, expected) => {
    expect(subjectCovers(pattern, subject)).toBe(expected);
  });
});
