import { PublishTimeoutError } from '../../errors/publish-timeout.error';

/**
 * The time by which one publish (connecting, provisioning the stream, the PubAck, a retry) must be confirmed:
 * `publishTimeoutMs` after it started. Past it, the publish rejects with `PublishTimeoutError`; the message may
 * or may not have been written.
 */
export class PublishDeadline {
  private readonly at: number;

  constructor(
    readonly topic: string,
    readonly timeoutMs: number,
  ) {
    this.at = Date.now() + timeoutMs;
  }

  /** Milliseconds left, at least 1. */
  remaining(): number {
    return Math.max(1, this.at - Date.now());
  }

  get passed(): boolean {
    return Date.now() >= this.at;
  }

  error(): PublishTimeoutError {
    return new PublishTimeoutError(this.topic, this.timeoutMs);
  }

  /** Settles like `work`, or rejects with `PublishTimeoutError` when the deadline comes first. */
  async bound<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.error()), this.remaining());
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
