import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEnvelope } from '../envelope/domain-event-envelope';
import type { SqlPool } from './sql-client';
import { resolveOutboxOptions, type OutboxRelayOptions } from './outbox.options';
import { NOTIFY_INTERVAL_MS, OutboxWriter } from './outbox-writer';

const pool = { query: vi.fn(), connect: vi.fn(), end: vi.fn() } as unknown as SqlPool;

/** A writer without schema set-up and the statements it ran. */
function writer(relay: OutboxRelayOptions = {}) {
  const options = resolveOutboxOptions({ pool, createSchema: false, relay });
  const statements: string[] = [];
  const transaction = { query: async (text: string) => void statements.push(text) };
  const w = new OutboxWriter(options, async () => pool);
  const write = (version: number) =>
    w.write(transaction, 'orders', createEnvelope({ aggregateId: 'a', type: 'T', version, payload: {} }));
  const notified = () => statements.filter((s) => s.includes('pg_notify')).length;
  return { write, statements, notified };
}

describe('OutboxWriter', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('writes each event with one statement, notifying the relays at most once per interval', async () => {
    const { write, statements, notified } = writer();
    for (let v = 1; v <= 5; v++) await write(v);
    expect(statements).toHaveLength(5);
    expect(notified()).toBe(1);
    vi.advanceTimersByTime(NOTIFY_INTERVAL_MS);
    await write(6);
    await write(7);
    expect(notified()).toBe(2);
  });

  it('never notifies without relay.notify', async () => {
    const { write, notified } = writer({ notify: false });
    await write(1);
    vi.advanceTimersByTime(NOTIFY_INTERVAL_MS);
    await write(2);
    expect(notified()).toBe(0);
  });
});
