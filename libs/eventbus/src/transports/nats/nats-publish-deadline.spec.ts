import { afterEach, describe, expect, it, vi } from 'vitest';
import { PublishTimeoutError } from '../../errors/publish-timeout.error';
import { PublishDeadline } from './nats-publish-deadline';

describe('PublishDeadline', () => {
  afterEach(() => vi.useRealTimers());

  it('settles like the work when it settles in time', async () => {
    const deadline = new PublishDeadline('orders', 1_000);
    await expect(deadline.bound(Promise.resolve(7))).resolves.toBe(7);
    await expect(deadline.bound(Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  });

  it('rejects with PublishTimeoutError once the time is up, counted from its creation', async () => {
    vi.useFakeTimers();
    const deadline = new PublishDeadline('orders', 1_000);
    vi.advanceTimersByTime(600);
    expect(deadline.remaining()).toBe(400);
    const bounded = deadline.bound(new Promise(() => undefined));
    const outcome = expect(bounded).rejects.toEqual(new PublishTimeoutError('orders', 1_000));
    vi.advanceTimersByTime(400);
    await outcome;
    expect(deadline.passed).toBe(true);
    expect(deadline.remaining()).toBe(1);
  });
});
