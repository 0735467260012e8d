import { describe, expect, it } from 'vitest';
import { PublishTimeoutError } from '../../errors/publish-timeout.error';
import { type PublishDeadline, withPublishDeadline } from './publish-deadline';

describe('withPublishDeadline', () => {
  it('passes through what the publish resolves or rejects with before the deadline', async () => {
    await expect(withPublishDeadline('t', 1_000, async () => 'written')).resolves.toBe('written');
    const failure = new Error('UNKNOWN_TOPIC_OR_PARTITION');
    await expect(
      withPublishDeadline('t', 1_000, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });

  it('rejects with PublishTimeoutError at the deadline and tells the publish, once', async () => {
    let deadline: PublishDeadline | undefined;
    let told = 0;
    const pending = withPublishDeadline('orders', 50, (d) => {
      deadline = d;
      d.onExpire = () => told++;
      return new Promise<never>(() => undefined);
    });
    expect(deadline?.expired).toBeUndefined();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishTimeoutError);
    expect(error).toMatchObject({ topic: 'orders', timeoutMs: 50 });
    expect(deadline?.expired).toBe(error);
    expect(told).toBe(1);
  });
});
