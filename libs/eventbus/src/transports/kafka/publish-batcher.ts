import type { Message, TopicMessages } from 'kafkajs';

/** Records per produce request, at most. */
const MAX_BATCH_MESSAGES = 1_000;
/** Approximate bytes (keys, values, headers) per produce request, at most; a larger single record goes alone. */
const MAX_BATCH_BYTES = 512 * 1024;

interface Queued {
  readonly topic: string;
  readonly message: Message;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent publishes into one produce request. One request is in flight at a time (the
 * idempotent producer serialises its requests anyway); records published meanwhile wait and go together
 * in the next one, in publish order, so per-key order is kept. Each publish resolves once the broker
 * confirmed the request that carried it, and rejects with that request's error (the whole request is then
 * reported failed, although the broker may have stored part of it: publishing again is at-least-once).
 */
export class PublishBatcher {
  private queue: Queued[] = [];
  private flushing = false;

  constructor(private readonly sendBatch: (topicMessages: TopicMessages[]) => Promise<void>) {}

  send(topic: string, message: Message): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, message, bytes: sizeOf(message), resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Publishes started in the same turn (a Promise.all) share the first request.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.take();
      try {
        await this.sendBatch(groupByTopic(batch));
        for (const queued of batch) queued.resolve();
      } catch (error) {
        for (const queued of batch) queued.reject(error);
      }
    }
    this.flushing = false;
  }

  private take(): Queued[] {
    let count = 0;
    let bytes = 0;
    while (
      count < this.queue.length &&
      count < MAX_BATCH_MESSAGES &&
      (count === 0 || bytes + this.queue[count].bytes <= MAX_BATCH_BYTES)
    ) {
      bytes += this.queue[count].bytes;
      count++;
    }
    const batch = this.queue.slice(0, count);
    this.queue = this.queue.slice(count);
    return batch;
  }
}

function groupByTopic(batch: Queued[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, message } of batch) {
    const messages = byTopic.get(topic) ?? [];
    messages.push(message);
    byTopic.set(topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function sizeOf(message: Message): number {
  let bytes = byteLength(message.key) + byteLength(message.value);
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    bytes += key.length + byteLength(value as Buffer | string | undefined);
  }
  return bytes;
}

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}
