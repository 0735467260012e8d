import { PublishTimeoutError } from '../../errors/publish-timeout.error';

/**
 * Runs one publish under a deadline: it resolves or rejects within `timeoutMs`. When the deadline passes
 * first, the publish rejects with `PublishTimeoutError` and `signal` is aborted with that error, so work not
 * started yet (a record still queued) is dropped; work already handed to the broker client may still end in
 * a write.
 */
export async function withPublishDeadline<T>(
  topic: string,
  timeoutMs: number,
  publish: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new PublishTimeoutError(topic, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([publish(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
