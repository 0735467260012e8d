import { describe, expect, it } from 'vitest';
import { resolveEventBusOptions } from '../../options/event-bus.options';

const nats = (options: Record<string, unknown>) =>
  resolveEventBusOptions({ transport: 'nats', nats: options }).nats!;

describe('nats.partitions and nats.leaseTtlMs', () => {
  it('are off (0) and 10 s by default', () => {
    expect(nats({})).toMatchObject({ partitions: 0, leaseTtlMs: 10_000 });
  });

  it('accept 1..1024 partitions and a lease of at least 1 s', () => {
    expect(nats({ partitions: 12, leaseTtlMs: 3_000 })).toMatchObject({ partitions: 12, leaseTtlMs: 3_000 });
    expect(nats({ partitions: 1024 }).partitions).toBe(1024);
  });

  it('reject other values, naming the option', () => {
    expect(() => nats({ partitions: -1 })).toThrow('"nats.partitions"');
    expect(() => nats({ partitions: 1.5 })).toThrow('"nats.partitions"');
    expect(() => nats({ partitions: 1025 })).toThrow('"nats.partitions"');
    expect(() => nats({ leaseTtlMs: 999 })).toThrow('"nats.leaseTtlMs"');
  });
});
