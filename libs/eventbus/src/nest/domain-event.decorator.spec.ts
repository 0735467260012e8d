import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { DomainEvent, type DomainEventOptions } from './domain-event.decorator';

const apply =
  (options: unknown, topic = 'orders') =>
  () =>
    DomainEvent(topic, options as DomainEventOptions);

describe('@DomainEvent options', () => {
  it('accepts maxAttempts from 1 to 1000, and no options', () => {
    expect(apply({ maxAttempts: 1 })).not.toThrow();
    expect(apply({ maxAttempts: 1000 })).not.toThrow();
    expect(apply({})).not.toThrow();
    expect(apply(undefined)).not.toThrow();
  });

  for (const maxAttempts of [Number.NaN, 0, -1, 1001, 1.5, Number.POSITIVE_INFINITY, '3', null]) {
    it(`rejects maxAttempts ${String(maxAttempts)} when the decorator is applied`, () => {
      expect(apply({ maxAttempts })).toThrow(InvalidOptionsError);
      expect(apply({ maxAttempts })).toThrow(/@DomainEvent\("orders"\).*"maxAttempts"/);
    });
  }

  it('shows the rejected value as it is', () => {
    expect(apply({ maxAttempts: Number.NaN })).toThrow(/got NaN/);
  });

  it('rejects unknown keys, naming the closest valid one', () => {
    expect(apply({ maxAttemps: 3 })).toThrow(InvalidOptionsError);
    expect(apply({ maxAttemps: 3 })).toThrow(/"maxAttemps" is unknown.*"maxAttempts"/);
  });

  it('rejects options that are not an object, and an empty topic', () => {
    expect(apply(5)).toThrow(InvalidOptionsError);
    expect(apply({}, '')).toThrow(InvalidOptionsError);
  });
});
