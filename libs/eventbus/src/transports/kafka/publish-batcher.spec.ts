import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { PublishTimeoutError } from '../../errors/publish-timeout.error';
import { PublishBatcher } from './publish-batcher';
import type { PublishDeadline } from './publish-deadline';

type Request = { topic: string; values: string[] };

/** A batcher whose requests take 5 ms, fail when `fail` says so, and hang while `hold` says so. */
function recording(options: { fail?: (r: Request) => boolean; hold?: (r: Request) => Promise<void> } = {}) {
  const requests: Request[] = [];
  const batcher = new PublishBatcher(async (topic: string, messages: Message[]) => {
    const request = { topic, values: messages.map((m) => String(m.value)) };
    requests.push(request);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await options.hold?.(request);
    if (options.fail?.(request)) throw new Error('NOT_ENOUGH_REPLICAS');
  });
  return { batcher, requests };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('PublishBatcher', () => {
  it('sends publishes of one topic started together in one request, in publish order; one request per topic', async () => {
    const { batcher, requests } = recording();
    await Promise.all([
      batcher.send('orders', { value: 'o1' }),
      batcher.send('audit', { value: 'a1' }),
      batcher.send('orders', { value: 'o2' }),
    ]);
    expect(requests).toEqual([
      { topic: 'orders', values: ['o1', 'o2'] },
      { topic: 'audit', values: ['a1'] },
    ]);
  });

  it('collects publishes made while a request is in flight into the next one', async () => {
    const { batcher, requests } = recording();
    const first = batcher.send('orders', { value: '1' });
    await turn();
    const later = [batcher.send('orders', { value: '2' }), batcher.send('orders', { value: '3' })];
    await Promise.all([first, ...later]);
    expect(requests.map((r) => r.values)).toEqual([['1'], ['2', '3']]);
  });

  it('splits by record count and size', async () => {
    const { batcher, requests } = recording();
    const big = Buffer.alloc(300 * 1024);
    await Promise.all([
      batcher.send('t', { value: big }),
      batcher.send('t', { value: big }),
      ...Array.from({ length: 1_500 }, () => batcher.send('t', { value: 'x' })),
    ]);
    const sizes = requests.map((r) => r.values.length);
    expect(sizes[0]).toBe(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1_502);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1_000);
  });

  it('rejects every publish of a failed request and keeps serving later ones', async () => {
    const { batcher } = recording({ fail: (r) => r.values.includes('bad') });
    const results = await Promise.allSettled([
      batcher.send('t', { value: 'bad' }),
      batcher.send('t', { value: 'ok' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.send('t', { value: 'next' })).resolves.toBeUndefined();
  });

  it('a topic whose request hangs delays and fails only its own publishes', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const { batcher, requests } = recording({
      hold: (r) => (r.topic === 'dead' ? stuck : Promise.resolve()),
      fail: (r) => r.topic === 'dead',
    });
    const dead = [batcher.send('dead', { value: 'd1' })];
    await turn();
    dead.push(batcher.send('dead', { value: 'd2' }));
    await batcher.send('live', { value: 'l1' });
    await batcher.send('live', { value: 'l2' });
    expect(requests).toEqual([
      { topic: 'dead', values: ['d1'] },
      { topic: 'live', values: ['l1'] },
      { topic: 'live', values: ['l2'] },
    ]);
    // The second publish of the stuck topic waits behind the first: order within a topic is kept.
    release();
    const results = await Promise.allSettled(dead);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(requests.slice(3)).toEqual([{ topic: 'dead', values: ['d2'] }]);
  });

  it('a publish whose deadline passed rejects at once with its error and its waiting record is never sent', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const { batcher, requests } = recording({
      hold: (r) => (r.values[0] === '1' ? stuck : Promise.resolve()),
    });
    const first = batcher.send('t', { value: '1' });
    await turn();
    const deadline: { expired?: PublishTimeoutError; onExpire?: () => void } = {};
    const expiring = batcher.send('t', { value: '2' }, deadline as PublishDeadline);
    const kept = batcher.send('t', { value: '3' });
    deadline.expired = new PublishTimeoutError('t', 100);
    deadline.onExpire?.();
    await expect(expiring).rejects.toBe(deadline.expired);
    release();
    await Promise.all([first, kept]);
    expect(requests.map((r) => r.values)).toEqual([['1'], ['3']]);
    const passed = { expired: new PublishTimeoutError('t', 100), onExpire: undefined };
    await expect(batcher.send('t', { value: '4' }, passed)).rejects.toBe(passed.expired);
    expect(requests).toHaveLength(2);
  });

  it('forgets a topic once it has nothing to send', async () => {
    const { batcher } = recording();
    const pending = Promise.all([batcher.send('a', { value: '1' }), batcher.send('b', { value: '1' })]);
    expect(batcher.activeTopics).toBe(2);
    await pending;
    expect(batcher.activeTopics).toBe(0);
  });
});
