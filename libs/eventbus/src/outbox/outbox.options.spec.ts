import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { resolveEventBusOptions } from '../options/event-bus.options';

const pool = { query: async () => ({ rows: [] }), connect: async () => ({}), end: async () => undefined };

describe('outbox options', () => {
  it('is off by default and fills the relay defaults when given', () => {
    expect(resolveEventBusOptions({}).outbox).toBeUndefined();
    const outbox = resolveEventBusOptions({ outbox: { connectionString: 'postgres://db/app' } }).outbox!;
    expect(outbox.table).toBe('eventbus_outbox');
    expect(outbox.createSchema).toBe(true);
    expect(outbox.relay).toEqual({
      enabled: true,
      partitions: 16,
      batchSize: 100,
      pollIntervalMs: 1_000,
      notify: true,
      initialRetryDelayMs: 1_000,
      maxRetryDelayMs: 60_000,
    });
  });

  it.each([
    [{}, /exactly one of "pool".*neither/],
    [{ pool, connectionString: 'postgres://x' }, /exactly one of "pool".*both/],
    [{ pool: {} }, /"outbox.pool" must be a pg Pool/],
    [{ pool, table: 'Outbox; DROP TABLE x' }, /"outbox.table" must be a lower-case PostgreSQL identifier/],
    [{ pool, relay: { batchSize: 0 } }, /"outbox.relay.batchSize" must be an integer from 1/],
    [
      { pool, relay: { pollInterval: 5 } },
      /"outbox.relay.pollInterval" is unknown; did you mean "outbox.relay.pollIntervalMs"/,
    ],
    [{ pool, tabel: 'x' }, /"outbox.tabel" is unknown; did you mean "outbox.table"/],
    [
      { pool, relay: { initialRetryDelayMs: 10, maxRetryDelayMs: 5 } },
      /"outbox.relay.maxRetryDelayMs" must be >= /,
    ],
  ])('rejects %j', (outbox, message) => {
    expect(() => resolveEventBusOptions({ outbox: outbox as never })).toThrow(InvalidOptionsError);
    expect(() => resolveEventBusOptions({ outbox: outbox as never })).toThrow(message);
  });
});
