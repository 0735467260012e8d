import type { Message } from 'kafkajs';
import type { PublishDeadline } from './publish-deadline';

/** Records per produce request, at most. */
const MAX_BATCH_MESSAGES = 1_000;
/** Approximate bytes (keys, values, headers) per produce request, at most; a larger single record goes alone. */
const MAX_BATCH_BYTES = 512 * 1024;

/** Writes records of one topic in one produce request; resolves once the broker confirmed them. */
export type SendTopicBatch = (topic: string, messages: Message[]) => Promise<void>;

interface Queued {
  readonly message: Message;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** Its deadline passed: a record still waiting is not sent. */
  abandoned: boolean;
}

/**
 * The publishes of one topic: one produce request in flight at a time; records published meanwhile wait and
 * go together in the next one, in publish order, so per-key order is kept. Each publish resolves once the
 * broker confirmed the request that carried it and rejects with that request's error (the whole request
 * is then reported failed, although the broker may have stored part of it: publishing again is
 * at-least-once). A publish whose deadline passes rejects at once with the deadline's error; when its
 * record was still waiting, it is never sent.
 */
export class TopicPublishQueue {
  private queue: Queued[] = [];
  private flushing = false;

  constructor(
    readonly topic: string,
    private readonly sendBatch: SendTopicBatch,
    private readonly onIdle: () => void,
  ) {}

  get idle(): boolean {
    return !this.flushing && this.queue.length === 0;
  }

  send(message: Message, deadline?: PublishDeadline): Promise<void> {
    if (deadline?.expired) return Promise.reject(deadline.expired);
    return new Promise<void>((resolve, reject) => {
      const queued: Queued = { message, bytes: sizeOf(message), resolve, reject, abandoned: false };
      if (deadline) {
        deadline.onExpire = () => {
          queued.abandoned = true;
          reject(deadline.expired);
        };
      }
      this.queue.push(queued);
      if (!this.flushing) {
        this.flushing = true;
        // Publishes started in the same turn (a Promise.all) share the first request.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    for (let batch = this.take(); batch.length > 0; batch = this.take()) {
      try {
        await this.sendBatch(
          this.topic,
          batch.map((queued) => queued.message),
        );
        for (const queued of batch) queued.resolve();
      } catch (error) {
        for (const queued of batch) queued.reject(error);
      }
    }
    this.flushing = false;
    this.onIdle();
  }

  /** The next request's records: abandoned ones are dropped, the rest taken in order up to the limits. */
  private take(): Queued[] {
    const batch: Queued[] = [];
    let bytes = 0;
    let next = 0;
    for (; next < this.queue.length && batch.length < MAX_BATCH_MESSAGES; next++) {
      const queued = this.queue[next];
      if (queued.abandoned) continue;
      if (batch.length > 0 && bytes + queued.bytes > MAX_BATCH_BYTES) break;
      bytes += queued.bytes;
      batch.push(queued);
    }
    this.queue = this.queue.slice(next);
    return batch;
  }
}

function sizeOf(message: Message): number {
  let bytes = byteLength(message.key) + byteLength(message.value);
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    bytes +=
      key.length + values.reduce((sum: number, v) => sum + byteLength(v as Buffer | string | undefined), 0);
  }
  return bytes;
}

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}
