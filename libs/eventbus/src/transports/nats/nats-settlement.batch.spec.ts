import { describe, expect, it } from 'vitest';
import { NatsSettlementBatch } from './nats-settlement.batch';

describe('NatsSettlementBatch', () => {
  it('sends what one event-loop turn gathered together, in order, once', async () => {
    const sent: string[][] = [];
    let current: string[] = [];
    const batch = new NatsSettlementBatch<string>((item) => current.push(item));
    batch.add('a');
    batch.add('b');
    expect(current).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    sent.push(current);
    current = [];
    batch.add('c');
    await new Promise((resolve) => setImmediate(resolve));
    sent.push(current);
    expect(sent).toEqual([['a', 'b'], ['c']]);
  });

  it('flush() sends at once and nothing is sent twice', async () => {
    const sent: string[] = [];
    const batch = new NatsSettlementBatch<string>((item) => sent.push(item));
    batch.add('a');
    batch.flush();
    expect(sent).toEqual(['a']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual(['a']);
  });
});
