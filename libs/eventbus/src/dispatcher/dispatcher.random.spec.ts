import { describe, expect, it } from 'vitest';
import { AckDecision } from '../policy/ack-decision';
import type { InboundMessage } from '../transports/transport.port';
import { Dispatcher } from './dispatcher';

/** Small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Random interleavings of 50 aggregates with random failures, non-Error throws and hangs, submitted in random
 * bursts: every message is settled exactly once, and each aggregate's settlements (handled or dead-lettered)
 * happen in ascending sequence.
 */
async function runSeed(seed: number): Promise<void> {
  const random = prng(seed);
  const aggregates = 50;
  const perAggregate = 8;
  const dispatcher = new Dispatcher({
    maxConcurrency: 1 + Math.floor(random() * 16),
    maxBuffered: 10_000,
    handlerTimeoutMs: 15,
    timeoutGraceMs: 15,
    deadLetterEnabled: true,
    retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 4, multiplier: 2, jitter: 0.5 },
  });
  const settlements = new Map<number, string[]>();
  const settledOrder = new Map<string, number[]>();
  const record = (aggregate: string, sequence: number, kind: string) => {
    settlements.get(sequence)!.push(kind);
    if (kind !== 'release')
      (settledOrder.get(aggregate) ?? settledOrder.set(aggregate, []).get(aggregate)!).push(sequence);
  };

  const pending: { aggregate: string; sequence: number }[] = [];
  let sequence = 0;
  for (let v = 0; v < perAggregate; v++) {
    for (let a = 0; a < aggregates; a++) pending.push({ aggregate: `agg-${a}`, sequence: sequence++ });
  }
  // Global publish order is by sequence; shuffle only across aggregates by taking random aggregates' next events.
  const queues = new Map<string, { aggregate: string; sequence: number }[]>();
  for (const p of pending) (queues.get(p.aggregate) ?? queues.set(p.aggregate, []).get(p.aggregate)!).push(p);

  while (queues.size > 0) {
    const burst = 1 + Math.floor(random() * 20);
    for (let i = 0; i < burst && queues.size > 0; i++) {
      const keys = [...queues.keys()];
      const key = keys[Math.floor(random() * keys.length)];
      const queue = queues.get(key)!;
      const { aggregate, sequence: seq } = queue.shift()!;
      if (queue.length === 0) queues.delete(key);
      settlements.set(seq, []);
      const behaviour = random();
      const message: InboundMessage = {
        topic: 't',
        key: aggregate,
        value: Buffer.alloc(0),
        headers: {},
        header: () => undefined,
        sequence: seq,
        deliveryCount: 1,
        publishedAt: 0,
        raw: undefined,
        ack: async () => record(aggregate, seq, 'ack'),
        deadLetter: async () => record(aggregate, seq, 'dead-letter'),
        release: () => record(aggregate, seq, 'release'),
      };
      dispatcher.submit({
        message,
        semantics: 'domain-event',
        orderingKey: aggregate,
        run: async ({ attempt }) => {
          await sleep(Math.floor(random() * 3));
          if (behaviour < 0.1 && attempt === 1) throw new Error('transient');
          if (behaviour < 0.13) throw 'always failing (non-Error)';
          if (behaviour < 0.16 && attempt === 1) return new Promise<AckDecision>(() => undefined);
          return AckDecision.ack();
        },
      });
    }
    await sleep(Math.floor(random() * 3));
  }

  const started = Date.now();
  while (dispatcher.buffered > 0) {
    if (Date.now() - started > 20_000) throw new Error(`seed ${seed}: ${dispatcher.buffered} never settled`);
    await sleep(5);
  }
  for (const [seq, kinds] of settlements) {
    expect(kinds, `seed ${seed}, sequence ${seq}`).toHaveLength(1);
  }
  for (const [aggregate, order] of settledOrder) {
    expect(order, `seed ${seed}, ${aggregate}`).toEqual([...order].sort((x, y) => x - y));
  }
  expect(settlements.size).toBe(aggregates * perAggregate);
  expect(dispatcher.liveMailboxes).toBe(0);
}

describe('Dispatcher under random interleavings, failures and hangs', () => {
  for (const seed of [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233]) {
    it(`keeps order and settles every message exactly once (seed ${seed})`, () => runSeed(seed));
  }
});
