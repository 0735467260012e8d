import { describe, expect, it } from 'vitest';
import { PublishTimeoutError } from '../../errors/publish-timeout.error';
import { withPublishDeadline } from './publish-deadline';

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

  it('rejects with PublishTimeoutError at the deadline and aborts the signal with the same error', async () => {
    let signal: AbortSignal | undefined;
    const pending = withPublishDeadline('orders', 50, (s) => {
      signal = s;
      return new Promise<never>(() => undefined);
    });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishTimeoutError);
    expect(error).toMatchObject({ topic: 'orders', timeoutMs: 50 });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(error);
  });
});
