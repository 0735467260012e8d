import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { outboxNames, outboxPartition, outboxSchemaSql } from './outbox-schema';

describe('outbox schema', () => {
  it('the documented SQL file creates exactly what the module creates for the default table', () => {
    const file = readFileSync(new URL('../../sql/eventbus_outbox.sql', import.meta.url), 'utf8');
    const statements = file
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join('\n')
      .trim();
    expect(statements).toBe(outboxSchemaSql('eventbus_outbox').trim());
  });

  it('quotes a schema-qualified table and derives the channel and index names from it', () => {
    const names = outboxNames('app.events_out');
    expect(names.table).toBe('"app"."events_out"');
    expect(names.channel).toBe('app_events_out');
    expect(outboxSchemaSql('app.events_out')).toContain('CREATE SCHEMA IF NOT EXISTS "app"');
    expect(outboxSchemaSql('app.events_out')).toContain('"events_out_partition_idx"');
  });

  it('puts every row of one aggregate in the same partition, within range', () => {
    const p = outboxPartition('orders', 'order-42', 16);
    expect(outboxPartition('orders', 'order-42', 16)).toBe(p);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(16);
    const spread = new Set(Array.from({ length: 200 }, (_, i) => outboxPartition('orders', `o-${i}`, 16)));
    expect(spread.size).toBe(16);
  });
});
