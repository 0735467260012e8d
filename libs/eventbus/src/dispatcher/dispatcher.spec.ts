import { describe, expect, it } from 'vitest';
import { DeadLetterError } from '../errors/dead-letter.error';
import { DiscardError } from '../errors/discard.error';
import { MessageRevokedError } from '../errors/message-revoked.error';
import { RetryableError } from '../errors/retryable.error';
import { AckDecision } from '../policy/ack-decision';
import type { DeliverySemantics, InboundMessage } from '../transports/transport.port';
import type { AttemptContext } from './dispatch-job';
import { Dispatcher, type DispatcherSettings } from './dispatcher';

type Settlement = 'ack' | 'dead-letter' | 'release';

/** A message whose settlements are recorded, so a test can assert there was exactly one. */
function message(key: string | undefined, sequence: number, deliveryCount = 1) {
  const settlements: Settlement[] = [];
  const msg: InboundMessage & { settlements: Settlement[]; deadLetterReason?: string } = {
    topic: 't',
    key,
    value: Buffer.from(''),
    headers: {},
    header: () => undefined,
    sequence,
    deliveryCount,
    publishedAt: 0,
    raw: undefined,
    settlements,
    ack: async () => void settlements.push('ack'),
    deadLetter: async (info) => {
      msg.deadLetterReason = info.reason;
      settlements.push('dead-letter');
    },
    release: () => void settlements.push('release'),
  };
  return msg;
}

const settings = (overrides: Partial<DispatcherSettings> = {}): DispatcherSettings => ({
  maxConcurrency: 8,
  maxBuffered: 10_000,
  handlerTimeoutMs: 1_000,
  timeoutGraceMs: 1_000,
  deadLetterEnabled: true,
  retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5, multiplier: 2, jitter: 0 },
  ...overrides,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await sleep(2);
  }
}

function submit(
  dispatcher: Dispatcher,
  msg: ReturnType<typeof message>,
  run: (ctx: AttemptContext) => Promise<AckDecision>,
  semantics: DeliverySemantics = 'domain-event',
) {
  dispatcher.submit({ message: msg, semantics, orderingKey: msg.key, run });
}

describe('Dispatcher', () => {
  it('handles one aggregate strictly in sequence order, other aggregates in parallel', async () => {
    const dispatcher = new Dispatcher(settings({ maxConcurrency: 4 }));
    const handled: Record<string, number[]> = {};
    let running = 0;
    let maxRunning = 0;
    const messages = [];
    for (let v = 1; v <= 20; v++) {
      for (const agg of ['a', 'b', 'c', 'd']) {
        const msg = message(agg, v * 10 + agg.charCodeAt(0));
        messages.push(msg);
        submit(dispatcher, msg, async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await sleep(1);
          (handled[agg] ??= []).push(v);
          running--;
          return AckDecision.ack();
        });
      }
    }
    await until(() => dispatcher.buffered === 0);
    for (const agg of ['a', 'b', 'c', 'd'])
      expect(handled[agg]).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(maxRunning).toBe(4);
    expect(messages.every((m) => m.settlements.join() === 'ack')).toBe(true);
    expect(dispatcher.liveMailboxes).toBe(0);
  });

  it('never runs more than maxConcurrency attempts at once', async () => {
    const dispatcher = new Dispatcher(settings({ maxConcurrency: 3 }));
    let running = 0;
    let maxRunning = 0;
    for (let i = 0; i < 30; i++) {
      submit(dispatcher, message(`agg-${i}`, i), async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(2);
        running--;
        return AckDecision.ack();
      });
    }
    await until(() => dispatcher.buffered === 0);
    expect(maxRunning).toBe(3);
  });

  it('inserts a redelivered earlier sequence before later waiting ones of its aggregate', async () => {
    const dispatcher = new Dispatcher(settings());
    const order: number[] = [];
    let releaseFirst!: () => void;
    const gate = new Promise<void>((resolve) => (releaseFirst = resolve));
    const run = (seq: number) => async () => {
      if (seq === 1) await gate;
      order.push(seq);
      return AckDecision.ack();
    };
    submit(dispatcher, message('a', 1), run(1));
    submit(dispatcher, message('a', 5), run(5));
    submit(dispatcher, message('a', 3, 2), run(3));
    releaseFirst();
    await until(() => dispatcher.buffered === 0);
    expect(order).toEqual([1, 3, 5]);
  });

  it('retries a failing domain event while only its aggregate waits, then continues in order', async () => {
    const dispatcher = new Dispatcher(
      settings({ retry: { maxAttempts: 5, initialDelayMs: 50, maxDelayMs: 50, multiplier: 1, jitter: 0 } }),
    );
    const handled: string[] = [];
    const attempts: number[] = [];
    let failed = false;
    const first = message('a', 1);
    submit(dispatcher, first, async (ctx) => {
      attempts.push(ctx.attempt);
      if (!failed) {
        failed = true;
        throw new Error('boom');
      }
      handled.push('a1');
      return AckDecision.ack();
    });
    submit(dispatcher, message('a', 2), async () => (handled.push('a2'), AckDecision.ack()));
    submit(dispatcher, message('b', 3), async () => (handled.push('b3'), AckDecision.ack()));
    await until(() => dispatcher.buffered === 0);
    expect(handled).toEqual(['b3', 'a1', 'a2']);
    expect(attempts).toEqual([1, 2]);
    expect(first.settlements).toEqual(['ack']);
    expect(dispatcher.counters['retry-scheduled']).toBe(1);
  });

  it('dead-letters after maxAttempts, then handles the rest of the aggregate', async () => {
    const dispatcher = new Dispatcher(settings());
    const poison = message('a', 1);
    const next = message('a', 2);
    let attempts = 0;
    submit(dispatcher, poison, async () => {
      attempts++;
      throw new TypeError('always');
    });
    submit(dispatcher, next, async () => AckDecision.ack());
    await until(() => dispatcher.buffered === 0);
    expect(attempts).toBe(3);
    expect(poison.settlements).toEqual(['dead-letter']);
    expect(poison.deadLetterReason).toContain('TypeError: always (after 3 attempts)');
    expect(next.settlements).toEqual(['ack']);
  });

  it('starts every delivery at attempt 1: broker redeliveries (releases at shutdown) consume no attempt', async () => {
    const dispatcher = new Dispatcher(settings());
    const msg = message('a', 1, 7);
    const attempts: number[] = [];
    submit(dispatcher, msg, async (ctx) => {
      attempts.push(ctx.attempt);
      throw new Error('x');
    });
    await until(() => dispatcher.buffered === 0);
    expect(attempts).toEqual([1, 2, 3]);
    expect(msg.settlements).toEqual(['dead-letter']);
    expect(msg.deadLetterReason).toContain('(after 3 attempts)');
  });

  it('maps typed errors and decisions: DeadLetterError, DiscardError, RetryableError delay, returned decisions', async () => {
    const dispatcher = new Dispatcher(settings());
    const dl = message('a', 1);
    const discard = message('b', 1);
    const delayed = message('c', 1);
    const returned = message('d', 1);
    let cAttempts = 0;
    submit(dispatcher, dl, async () => {
      throw new DeadLetterError('bad data');
    });
    submit(dispatcher, discard, async () => {
      throw new DiscardError('not mine');
    });
    submit(dispatcher, delayed, async () => {
      if (++cAttempts === 1) throw new RetryableError('later', { delayMs: 30 });
      return AckDecision.ack();
    });
    submit(dispatcher, returned, async () => AckDecision.deadLetter('returned'));
    await until(() => dispatcher.buffered === 0);
    expect(dl.settlements).toEqual(['dead-letter']);
    expect(dl.deadLetterReason).toBe('bad data');
    expect(discard.settlements).toEqual(['ack']);
    expect(delayed.settlements).toEqual(['ack']);
    expect(cAttempts).toBe(2);
    expect(returned.settlements).toEqual(['dead-letter']);
    expect(dispatcher.counters).toMatchObject({ discarded: 1, 'dead-lettered': 2, handled: 1 });
  });

  it('drops a failing raw message at once (at-most-once) and never blocks its key', async () => {
    const dispatcher = new Dispatcher(settings());
    const failing = message('k', 1);
    const after = message('k', 2);
    let attempts = 0;
    submit(
      dispatcher,
      failing,
      async () => {
        attempts++;
        throw new Error('raw failure');
      },
      'raw',
    );
    submit(dispatcher, after, async () => AckDecision.ack(), 'raw');
    await until(() => dispatcher.buffered === 0);
    expect(attempts).toBe(1);
    expect(failing.settlements).toEqual(['ack']);
    expect(after.settlements).toEqual(['ack']);
    expect(dispatcher.counters.dropped).toBe(1);
  });

  it('dead-letters a raw message on DeadLetterError only when a dead-letter destination exists', async () => {
    const withDlq = new Dispatcher(settings());
    const withoutDlq = new Dispatcher(settings({ deadLetterEnabled: false }));
    const a = message(undefined, 1);
    const b = message(undefined, 1);
    const run = async (): Promise<AckDecision> => {
      throw new DeadLetterError('poison');
    };
    submit(withDlq, a, run, 'raw');
    submit(withoutDlq, b, run, 'raw');
    await until(() => withDlq.buffered === 0 && withoutDlq.buffered === 0);
    expect(a.settlements).toEqual(['dead-letter']);
    expect(b.settlements).toEqual(['ack']);
  });

  it('settles exactly once when a handler throws a non-Error or rejects with undefined', async () => {
    const dispatcher = new Dispatcher(settings({ retry: { ...settings().retry, maxAttempts: 1 } }));
    const values: unknown[] = ['a string', 42, undefined, null, { weird: true }];
    const messages = values.map((value, i) => {
      const msg = message(`agg-${i}`, i);
      submit(dispatcher, msg, () => Promise.reject(value));
      return msg;
    });
    const thrower = message('sync', 1);
    submit(dispatcher, thrower, () => {
      throw Symbol('sync throw');
    });
    await until(() => dispatcher.buffered === 0);
    for (const msg of [...messages, thrower]) expect(msg.settlements).toEqual(['dead-letter']);
  });

  it('times out a hung handler, aborts its signal, and keeps every other aggregate flowing', async () => {
    const dispatcher = new Dispatcher(
      settings({ handlerTimeoutMs: 50, maxConcurrency: 2, retry: { ...settings().retry, maxAttempts: 2 } }),
    );
    const signals: AbortSignal[] = [];
    const hung = message('hung', 1);
    submit(dispatcher, hung, (ctx) => {
      signals.push(ctx.signal);
      return new Promise(() => undefined);
    });
    const others = Array.from({ length: 50 }, (_, i) => message(`ok-${i % 5}`, i));
    for (const msg of others) submit(dispatcher, msg, async () => AckDecision.ack());
    await until(() => others.every((m) => m.settlements.length === 1));
    expect(hung.settlements).toEqual([]);
    await until(() => dispatcher.buffered === 0);
    expect(hung.settlements).toEqual(['dead-letter']);
    expect(signals).toHaveLength(2);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(dispatcher.counters['timed-out']).toBe(2);
  });

  it('retries a failed dead-letter write until it is confirmed', async () => {
    const dispatcher = new Dispatcher(settings({ retry: { ...settings().retry, maxAttempts: 1 } }));
    const msg = message('a', 1);
    let writes = 0;
    msg.deadLetter = async () => {
      if (++writes < 3) throw new Error('dlq unavailable');
      msg.settlements.push('dead-letter');
    };
    submit(dispatcher, msg, async () => {
      throw new Error('x');
    });
    await until(() => dispatcher.buffered === 0);
    expect(writes).toBe(3);
    expect(msg.settlements).toEqual(['dead-letter']);
  });

  it('drops messages the consumer lost to another one (revoked) without running them', async () => {
    const dispatcher = new Dispatcher(settings({ maxConcurrency: 1 }));
    let revoked = false;
    const ran: number[] = [];
    const messages = [1, 2, 3].map((seq) => Object.assign(message('a', seq), { isRevoked: () => revoked }));
    for (const msg of messages) {
      submit(dispatcher, msg, async () => {
        ran.push(msg.sequence);
        revoked = true;
        return AckDecision.ack();
      });
    }
    await until(() => dispatcher.buffered === 0);
    expect(ran).toEqual([1]);
    expect(messages.map((m) => m.settlements.join())).toEqual(['ack', 'release', 'release']);
    expect(dispatcher.counters.released).toBe(2);
  });

  it('drops thousands of revoked buffered heads without deep recursion', async () => {
    const dispatcher = new Dispatcher(settings({ maxConcurrency: 1, maxBuffered: 100_000 }));
    let revoked = false;
    let open!: () => void;
    submit(
      dispatcher,
      message('blocker', 0),
      () => new Promise((resolve) => (open = () => resolve(AckDecision.ack()))),
    );
    const messages = Array.from({ length: 20_000 }, (_, i) =>
      Object.assign(message(`agg-${i}`, i + 1), { isRevoked: () => revoked }),
    );
    for (const msg of messages) submit(dispatcher, msg, async () => AckDecision.ack());
    revoked = true;
    open();
    await until(() => dispatcher.buffered === 0);
    expect(messages.every((m) => m.settlements.join() === 'release')).toBe(true);
    expect(dispatcher.liveMailboxes).toBe(0);
  });

  it('close() releases a running event aborted on its last attempt instead of dead-lettering it', async () => {
    const dispatcher = new Dispatcher(
      settings({ handlerTimeoutMs: 60_000, retry: { ...settings().retry, maxAttempts: 1 } }),
    );
    const lastAttempt = message('a', 1);
    submit(dispatcher, lastAttempt, () => new Promise(() => undefined));
    await sleep(10);
    await dispatcher.close(30);
    expect(lastAttempt.settlements).toEqual(['release']);
    expect(dispatcher.counters['dead-lettered']).toBe(0);
  });

  it('close() stops retrying a failing dead-letter write and releases the message', async () => {
    const dispatcher = new Dispatcher(
      settings({
        retry: { maxAttempts: 1, initialDelayMs: 60_000, maxDelayMs: 60_000, multiplier: 1, jitter: 0 },
      }),
    );
    const msg = message('a', 1);
    msg.deadLetter = async () => {
      throw new Error('dlq unavailable');
    };
    submit(dispatcher, msg, async () => {
      throw new Error('x');
    });
    await until(() => dispatcher.counters['settlement-failed'] === 1);
    await dispatcher.close(1_000);
    await until(() => msg.settlements.length === 1);
    expect(msg.settlements).toEqual(['release']);
  });

  it('signals backpressure at maxBuffered and relief at half of it', async () => {
    const pressure: boolean[] = [];
    const dispatcher = new Dispatcher(settings({ maxBuffered: 10, maxConcurrency: 1 }), {
      onPressure: (saturated) => pressure.push(saturated),
    });
    for (let i = 0; i < 12; i++)
      submit(dispatcher, message('a', i), async () => (await sleep(1), AckDecision.ack()));
    expect(pressure).toEqual([true]);
    await until(() => dispatcher.buffered === 0);
    expect(pressure).toEqual([true, false]);
  });

  it('is backlogged while maxConcurrency aggregates wait for a free slot, not while they wait behind their own', async () => {
    const dispatcher = new Dispatcher(settings({ maxConcurrency: 2 }));
    const gates: (() => void)[] = [];
    const held = () => new Promise<AckDecision>((resolve) => gates.push(() => resolve(AckDecision.ack())));
    // One aggregate: everything after its head waits behind the head, however long the queue.
    for (let i = 0; i < 5; i++) submit(dispatcher, message('a', i), held);
    expect(dispatcher.backlogged).toBe(false);
    submit(dispatcher, message('b', 0), held);
    submit(dispatcher, message('c', 0), held);
    expect(dispatcher.runningAttempts).toBe(2);
    expect(dispatcher.backlogged).toBe(false); // only c waits for a slot
    submit(dispatcher, message('d', 0), held);
    expect(dispatcher.backlogged).toBe(true); // c and d
    gates.shift()!(); // a's head ends: c runs, a's next waits for a slot with d
    await until(() => gates.length === 2);
    expect(dispatcher.backlogged).toBe(true);
    gates.shift()!(); // b ends: d runs
    await until(() => gates.length === 2);
    expect(dispatcher.backlogged).toBe(false);
    while (dispatcher.buffered > 0) {
      gates.shift()?.();
      await sleep(1);
    }
  });

  it('close() lets running handlers finish, releases what had not started, and releases new submissions', async () => {
    const dispatcher = new Dispatcher(settings({ maxConcurrency: 1 }));
    const running = message('a', 1);
    const waiting = message('a', 2);
    const other = message('b', 1);
    submit(dispatcher, running, async () => (await sleep(50), AckDecision.ack()));
    submit(dispatcher, waiting, async () => AckDecision.ack());
    submit(dispatcher, other, async () => AckDecision.ack());
    await sleep(5);
    await dispatcher.close(1_000);
    const late = message('c', 1);
    submit(dispatcher, late, async () => AckDecision.ack());
    expect(running.settlements).toEqual(['ack']);
    expect(waiting.settlements).toEqual(['release']);
    expect(other.settlements).toEqual(['release']);
    expect(late.settlements).toEqual(['release']);
    expect(dispatcher.buffered).toBe(0);
  });

  it('close() aborts a handler still running after the shutdown timeout and releases it', async () => {
    const dispatcher = new Dispatcher(settings({ handlerTimeoutMs: 60_000 }));
    const hung = message('a', 1);
    let signal: AbortSignal | undefined;
    submit(dispatcher, hung, (ctx) => {
      signal = ctx.signal;
      return new Promise(() => undefined);
    });
    const retrying = message('b', 1);
    submit(dispatcher, retrying, async () => {
      throw new RetryableError('later', { delayMs: 60_000 });
    });
    await sleep(10);
    await dispatcher.close(50);
    expect(signal?.aborted).toBe(true);
    expect(hung.settlements).toEqual(['release']);
    expect(retrying.settlements).toEqual(['release']);
  });

  it('removes empty mailboxes: 1,000,000 distinct aggregate ids leave 0 live mailboxes', async () => {
    const dispatcher = new Dispatcher(settings({ maxConcurrency: 256, maxBuffered: 20_000 }));
    const ack = () => Promise.resolve(AckDecision.ack());
    const noop = async () => undefined;
    let sequence = 0;
    let settled = 0;
    const total = 1_000_000;
    while (sequence < total) {
      // Submit in chunks as a transport would, waiting while the buffer is full.
      while (dispatcher.buffered >= 10_000) await sleep(0);
      for (let i = 0; i < 5_000 && sequence < total; i++, sequence++) {
        dispatcher.submit({
          message: {
            topic: 't',
            key: undefined,
            value: Buffer.alloc(0),
            headers: {},
            header: () => undefined,
            sequence,
            deliveryCount: 1,
            publishedAt: 0,
            raw: undefined,
            ack: () => (settled++, noop)(),
            deadLetter: noop,
            release: () => undefined,
          },
          semantics: 'domain-event',
          orderingKey: `aggregate-${sequence}`,
          run: ack,
        });
      }
      expect(dispatcher.liveMailboxes).toBeGreaterThan(0);
    }
    await until(() => dispatcher.buffered === 0, 60_000);
    expect(settled).toBe(total);
    expect(dispatcher.liveMailboxes).toBe(0);
  }, 120_000);
});

describe('Dispatcher: a timed-out handler keeps its aggregate and its slot', () => {
  it('starts the retry of a timed-out attempt only after the late handler finished', async () => {
    const dispatcher = new Dispatcher(settings({ handlerTimeoutMs: 30, timeoutGraceMs: 5_000 }));
    const steps: string[] = [];
    const first = message('a', 1);
    submit(dispatcher, first, async (ctx) => {
      steps.push(`start ${ctx.attempt}`);
      if (ctx.attempt === 1) await sleep(200); // ignores ctx.signal
      steps.push(`end ${ctx.attempt}`);
      return AckDecision.ack();
    });
    submit(dispatcher, message('a', 2), async () => (steps.push('next'), AckDecision.ack()));
    await until(() => dispatcher.buffered === 0);
    expect(steps).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'next']);
    expect(first.settlements).toEqual(['ack']);
    expect(dispatcher.counters['timed-out']).toBe(1);
    expect(dispatcher.counters['retry-scheduled']).toBe(1);
  });

  it('never lets handlers that ignore their timeout exceed maxConcurrency', async () => {
    const dispatcher = new Dispatcher(
      settings({ maxConcurrency: 2, handlerTimeoutMs: 20, timeoutGraceMs: 5_000 }),
    );
    let running = 0;
    let maxRunning = 0;
    const messages = Array.from({ length: 6 }, (_, i) => message(`agg-${i}`, i));
    for (const msg of messages) {
      submit(dispatcher, msg, async (ctx) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (ctx.attempt === 1) await sleep(100); // ignores ctx.signal
        running--;
        return AckDecision.ack();
      });
    }
    await until(() => dispatcher.buffered === 0);
    expect(messages.every((m) => m.settlements.join() === 'ack')).toBe(true);
    expect(dispatcher.counters['timed-out']).toBe(6);
    expect(maxRunning).toBe(2);
  });

  it('abandons a handler still running timeoutGraceMs after its timeout, then retries its event', async () => {
    const events: string[] = [];
    const dispatcher = new Dispatcher(settings({ handlerTimeoutMs: 20, timeoutGraceMs: 30 }), {
      onEvent: (event) => events.push(event.type),
    });
    const msg = message('a', 1);
    const attempts: number[] = [];
    let endAbandoned!: () => void;
    submit(dispatcher, msg, (ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt > 1) return Promise.resolve(AckDecision.ack());
      return new Promise((resolve) => (endAbandoned = () => resolve(AckDecision.deadLetter('too late'))));
    });
    await until(() => dispatcher.buffered === 0);
    expect(attempts).toEqual([1, 2]);
    expect(events).toEqual(['timed-out', 'abandoned', 'retry-scheduled', 'handled']);
    expect(dispatcher.counters.abandoned).toBe(1);
    expect(dispatcher.abandonedRunning).toBe(1);
    endAbandoned();
    await until(() => dispatcher.abandonedRunning === 0);
    expect(msg.settlements).toEqual(['ack']);
    expect(events).toHaveLength(4);
  });
});

describe('Dispatcher: a dead letter the broker refuses', () => {
  it('keeps other aggregates flowing, reports every failure, backs off, and resumes by itself', async () => {
    const failures: { reason?: string; delayMs?: number }[] = [];
    const dispatcher = new Dispatcher(
      settings({
        maxConcurrency: 1,
        retry: { maxAttempts: 1, initialDelayMs: 20, maxDelayMs: 50, multiplier: 2, jitter: 0 },
      }),
      {
        onEvent: (e) => {
          if (e.type === 'settlement-failed') failures.push({ reason: e.reason, delayMs: e.delayMs });
        },
      },
    );
    const order: string[] = [];
    const poison = message('a', 1);
    let writes = 0;
    poison.deadLetter = async () => {
      if (++writes <= 4) throw new Error('dead-letter topic unavailable');
      order.push('a1 dead-lettered');
      poison.settlements.push('dead-letter');
    };
    submit(dispatcher, poison, async () => {
      throw new Error('poison');
    });
    const after = message('a', 2);
    submit(dispatcher, after, async () => (order.push('a2'), AckDecision.ack()));
    const others = Array.from({ length: 5 }, (_, i) => message(`b-${i}`, 10 + i));
    for (const msg of others) submit(dispatcher, msg, async () => (order.push(msg.key!), AckDecision.ack()));
    await until(() => dispatcher.buffered === 0);
    expect(order).toEqual(['b-0', 'b-1', 'b-2', 'b-3', 'b-4', 'a1 dead-lettered', 'a2']);
    expect(poison.settlements).toEqual(['dead-letter']);
    expect(after.settlements).toEqual(['ack']);
    expect(failures.map((f) => f.delayMs)).toEqual([20, 40, 50, 50]);
    for (const f of failures) expect(f.reason).toContain('dead-letter topic unavailable');
    expect(dispatcher.counters).toMatchObject({ 'dead-lettered': 1, 'settlement-failed': 4, handled: 6 });
  });

  it('releases, without retrying, a message whose dead-letter write says it was revoked', async () => {
    const dispatcher = new Dispatcher(settings({ retry: { ...settings().retry, maxAttempts: 1 } }));
    const msg = message('a', 1);
    let writes = 0;
    msg.deadLetter = async () => {
      writes++;
      throw new MessageRevokedError('t', 1);
    };
    submit(dispatcher, msg, async () => {
      throw new Error('x');
    });
    const next = message('a', 2);
    submit(dispatcher, next, async () => AckDecision.ack());
    await until(() => dispatcher.buffered === 0);
    expect(writes).toBe(1);
    expect(msg.settlements).toEqual(['release']);
    expect(next.settlements).toEqual(['ack']);
    expect(dispatcher.counters).toMatchObject({ released: 1, 'dead-lettered': 0, 'settlement-failed': 0 });
  });

  it('stops retrying a dead-letter write once the message is revoked, and releases it', async () => {
    const dispatcher = new Dispatcher(
      settings({ retry: { maxAttempts: 1, initialDelayMs: 10, maxDelayMs: 10, multiplier: 1, jitter: 0 } }),
    );
    let revoked = false;
    const msg = Object.assign(message('a', 1), { isRevoked: () => revoked });
    msg.deadLetter = async () => {
      revoked = true;
      throw new Error('dead-letter topic unavailable');
    };
    submit(dispatcher, msg, async () => {
      throw new Error('x');
    });
    await until(() => dispatcher.buffered === 0);
    expect(msg.settlements).toEqual(['release']);
  });
});

describe('Dispatcher: requested retry delays', () => {
  it('caps RetryableError and AckDecision.retry delays at retry.maxDelayMs; NaN or negative means backoff', async () => {
    const delays: (number | undefined)[] = [];
    const dispatcher = new Dispatcher(
      settings({ retry: { maxAttempts: 6, initialDelayMs: 3, maxDelayMs: 40, multiplier: 2, jitter: 0 } }),
      { onEvent: (e) => e.type === 'retry-scheduled' && delays.push(e.delayMs) },
    );
    const requested = [60_000, Number.POSITIVE_INFINITY, Number.NaN, -5, 7];
    const msg = message('a', 1);
    submit(dispatcher, msg, async (ctx) => {
      const delayMs = requested[ctx.attempt - 1];
      if (delayMs === undefined) return AckDecision.ack();
      if (ctx.attempt % 2 === 0) return AckDecision.retry({ delayMs });
      throw new RetryableError('later', { delayMs });
    });
    await until(() => dispatcher.buffered === 0, 2_000);
    expect(delays).toEqual([40, 40, 12, 24, 7]);
    expect(msg.settlements).toEqual(['ack']);
  });
});

describe('Dispatcher: thrown values that cannot be described', () => {
  const hostile: Record<string, () => unknown> = {
    'an object whose getter throws': () => ({
      get message(): string {
        throw new Error('getter');
      },
      toString(): string {
        throw new Error('toString');
      },
    }),
    'an Error whose message getter throws': () =>
      Object.defineProperty(new Error(), 'message', {
        get() {
          throw new Error('getter');
        },
      }),
    'a Proxy whose every trap throws': () =>
      new Proxy(
        {},
        {
          get() {
            throw new Error('get');
          },
          getPrototypeOf() {
            throw new Error('getPrototypeOf');
          },
          ownKeys() {
            throw new Error('ownKeys');
          },
        },
      ),
    'an object with a throwing toJSON and no prototype': () =>
      Object.assign(Object.create(null) as object, {
        toJSON() {
          throw new Error('toJSON');
        },
      }),
    'a Symbol': () => Symbol('thrown'),
    'an Error named by a Symbol': () => Object.assign(new Error('x'), { name: Symbol('name') }),
  };

  for (const [name, make] of Object.entries(hostile)) {
    it(`ends the attempt at once with a retry when a handler throws ${name}`, async () => {
      const dispatcher = new Dispatcher(
        settings({ handlerTimeoutMs: 60_000, retry: { ...settings().retry, maxAttempts: 2 } }),
      );
      const msg = message('a', 1);
      const attempts: number[] = [];
      submit(dispatcher, msg, async (ctx) => {
        attempts.push(ctx.attempt);
        throw make();
      });
      await until(() => dispatcher.buffered === 0, 2_000);
      expect(attempts).toEqual([1, 2]);
      expect(msg.settlements).toEqual(['dead-letter']);
      expect(typeof msg.deadLetterReason).toBe('string');
      expect(dispatcher.counters['retry-scheduled']).toBe(1);
    });
  }
});

describe('Dispatcher.close()', () => {
  it('releases an attempt that fails because the dispatcher is closing, even on its last attempt', async () => {
    const dispatcher = new Dispatcher(settings({ retry: { ...settings().retry, maxAttempts: 1 } }));
    const msg = message('a', 1);
    let fail!: () => void;
    const started = new Promise<void>((resolveStarted) => {
      submit(
        dispatcher,
        msg,
        () =>
          new Promise((_resolve, reject) => {
            fail = () => reject(new Error('database pool closed'));
            resolveStarted();
          }),
      );
    });
    await started;
    const closed = dispatcher.close(5_000);
    fail();
    await closed;
    expect(msg.settlements).toEqual(['release']);
    expect(dispatcher.counters).toMatchObject({ released: 1, 'dead-lettered': 0, 'retry-scheduled': 0 });
  });

  it('ends with nothing buffered and resolves with what it left unsettled, even when an ack never completes', async () => {
    const dispatcher = new Dispatcher(settings());
    const stuck = message('a', 1);
    stuck.ack = () => new Promise(() => undefined);
    const waiting = message('a', 2);
    submit(dispatcher, stuck, async () => AckDecision.ack());
    submit(dispatcher, waiting, async () => AckDecision.ack());
    await sleep(10);
    const left = await dispatcher.close(20);
    expect(dispatcher.buffered).toBe(0);
    expect(dispatcher.liveMailboxes).toBe(0);
    expect(waiting.settlements).toEqual(['release']);
    expect(left).toBe(2);
  });

  it('resolves with 0 when everything finished in time', async () => {
    const dispatcher = new Dispatcher(settings());
    const msg = message('a', 1);
    submit(dispatcher, msg, async () => (await sleep(20), AckDecision.ack()));
    expect(await dispatcher.close(2_000)).toBe(0);
    expect(msg.settlements).toEqual(['ack']);
  });
});
