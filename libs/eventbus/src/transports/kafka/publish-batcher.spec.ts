import type { TopicMessages } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { PublishBatcher } from './publish-batcher';

function recording(fail?: (request: TopicMessages[]) => boolean) {
  const requests: TopicMessages[][] = [];
  const batcher = new PublishBatcher(async (request) => {
    requests.push(request);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (fail?.(request)) throw new Error('NOT_ENOUGH_REPLICAS');
  });
  const values = (request: TopicMessages[]) =>
    request.flatMap((t) => t.messages.map((m) => `${t.topic}:${String(m.value)}`));
  return { batcher, requests, values };
}

describe('PublishBatcher', () => {
  it('sends publishes started together in one request, grouped by topic, in publish order', async () => {
    const { batcher, requests, values } = recording();
    await Promise.all([
      batcher.send('orders', { value: 'o1' }),
      batcher.send('audit', { value: 'a1' }),
      batcher.send('orders', { value: 'o2' }),
    ]);
    expect(requests).toHaveLength(1);
    expect(values(requests[0])).toEqual(['orders:o1', 'orders:o2', 'audit:a1']);
  });

  it('collects publishes made while a request is in flight into the next one', async () => {
    const { batcher, requests, values } = recording();
    const first = batcher.send('orders', { value: '1' });
    await new Promise((resolve) => setImmediate(resolve));
    const later = [batcher.send('orders', { value: '2' }), batcher.send('orders', { value: '3' })];
    await Promise.all([first, ...later]);
    expect(requests.map(values)).toEqual([['orders:1'], ['orders:2', 'orders:3']]);
  });

  it('splits by record count and size', async () => {
    const { batcher, requests } = recording();
    const big = Buffer.alloc(300 * 1024);
    await Promise.all([
      batcher.send('t', { value: big }),
      batcher.send('t', { value: big }),
      ...Array.from({ length: 1_500 }, () => batcher.send('t', { value: 'x' })),
    ]);
    const sizes = requests.map((r) => r[0].messages.length);
    expect(sizes[0]).toBe(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1_502);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1_000);
  });

  it('rejects every publish of a failed request and keeps serving later ones', async () => {
    const { batcher, values } = recording((request) => values(request).includes('t:bad'));
    const results = await Promise.allSettled([
      batcher.send('t', { value: 'bad' }),
      batcher.send('t', { value: 'ok' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.send('t', { value: 'next' })).resolves.toBeUndefined();
  });
});
