import { PublishTimeoutError } from '../../errors/publish-timeout.error';

/** What a publish running under a deadline can see of it (a plain object: this is on every publish's path). */
export interface PublishDeadline {
  /** The error the publish was rejected with once the deadline passed; undefined before. */
  readonly expired: PublishTimeoutError | undefined;
  /** Called once when the deadline passes (one listener: the place that holds the publish's work). */
  onExpire: (() => void) | undefined;
}

/**
 * Runs one publish under a deadline: it resolves or rejects within `timeoutMs`. When the deadline passes
 * first, the publish rejects with `PublishTimeoutError` and the deadline's `onExpire` runs, so work not
 * started yet (a record still queued) is dropped; work already handed to the broker client may still end in
 * a write.
 */
export function withPublishDeadline<T>(
  topic: string,
  timeoutMs: number,
  publish: (deadline: PublishDeadline) => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const deadline: { expired: PublishTimeoutError | undefined; onExpire: (() => void) | undefined } = {
      expired: undefined,
      onExpire: undefined,
    };
    const timer = setTimeout(() => {
      deadline.expired = new PublishTimeoutError(topic, timeoutMs);
      reject(deadline.expired);
      deadline.onExpire?.();
    }, timeoutMs);
    publish(deadline).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
