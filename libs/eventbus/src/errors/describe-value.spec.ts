import { describe, expect, it } from 'vitest';
import { describeError, describeValue } from './describe-value';

const throwing = () => {
  throw new Error('no');
};

describe('describeValue and describeError', () => {
  it('render numbers JSON cannot (NaN, Infinity, bigint) as themselves', () => {
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
    expect(describeValue(10n)).toBe('10');
    expect(describeValue({ a: 1 })).toBe('{"a":1}');
  });

  it('never throw, whatever the value', () => {
    const hostile: unknown[] = [
      new Proxy({}, { get: throwing, getPrototypeOf: throwing, ownKeys: throwing }),
      Object.assign(Object.create(null) as object, { toJSON: throwing }),
      { toJSON: throwing, toString: throwing },
      Object.defineProperty(new Error('x'), 'message', { get: throwing }),
      Object.assign(new Error('x'), { name: Symbol('n') }),
      Symbol('s'),
    ];
    for (const value of hostile) {
      expect(typeof describeValue(value)).toBe('string');
      expect(typeof describeError(value)).toBe('string');
    }
    expect(describeError(Object.defineProperty(new TypeError('x'), 'message', { get: throwing }))).toBe(
      'TypeError: (a value that cannot be described)',
    );
  });
});
