import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { DeadLetterQueueError } from '../errors/dead-letter-queue.error';
import { EventBusConnection } from '../nest/event-bus.connection';
import { EVENT_BUS_OPTIONS } from '../nest/event-bus.constants';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import { DeadLetterHeaders } from '../transports/dead-letter-headers';
import { type DeadLetter, originalHeaders, readDeadLetter } from './dead-letter';
import type { DeadLetterStore } from './dead-letter.store';
import { createDeadLetterStore } from './create-dead-letter-store';

/** Which dead letters `replay` republishes: the listed ids, or every one waiting. */
export type ReplaySelection = { readonly ids: readonly string[] } | { readonly all: true };

/** Options of `DeadLetterQueue.replay`. */
export interface ReplayOptions {
  /** Called after each republished dead letter with the count so far and the total to replay. */
  readonly onProgress?: (replayed: number, total: number) => void;
}

/** Default of `list(topic, { limit })`. */
const DEFAULT_LIST_LIMIT = 100;

/**
 * Reads and replays the dead letters of a topic (its destination `<topic><suffix>`) on the configured
 * transport. A dead letter is waiting until it was replayed once: `replay` republishes the original (same key,
 * value and headers, plus `x-dead-letter-replay-count`) to `topic` through the module's connection, waits for
 * the broker's confirmation, then records it as replayed (memory: a broker group; Kafka: the consumer group
 * `nest-ordered-eventbus.dead-letter-replay.<topic><suffix>`, whose committed offsets Kafka keeps for
 * `offsets.retention.minutes` (default 7 days) after its last replay; JetStream: a durable
 * `natsConsumerName('dead-letter-replay', subject)` over the dead-letter subject). Replaying twice in a row
 * republishes nothing the second time. Should the process die between a publish and its record, that dead
 * letter is replayed again later (at-least-once). Calls for one topic run one after another; do not run two
 * processes replaying the same topic at once.
 */
@Injectable()
export class DeadLetterQueue implements OnApplicationShutdown {
  private readonly logger = new Logger('DeadLetterQueue');
  private store: Promise<DeadLetterStore> | undefined;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
    private readonly connection: EventBusConnection,
  ) {}

  /**
   * The dead letters of `topic` still waiting, oldest `failedAt` first (those without one before all others,
   * the order they were stored in where equal), at most `limit` (default 100).
   */
  list(topic: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = options.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      return Promise.reject(
        new InvalidOptionsError('limit', 'a positive integer', limit, { source: 'list' }),
      );
    }
    return this.serialized(topic, async (store, deadLetterTopic) => {
      const batch = await store.read(deadLetterTopic);
      try {
        return batch.letters
          .map(readDeadLetter)
          .sort((a, b) => (a.failedAt.getTime() || 0) - (b.failedAt.getTime() || 0))
          .slice(0, limit);
      } finally {
        await batch.close();
      }
    });
  }

  /**
   * Republishes the selected waiting dead letters to `topic` in their original order and resolves with the
   * ones it replayed (ids not waiting are skipped). Rejects with `DeadLetterQueueError` when a publish fails;
   * the ones published before it count as replayed.
   */
  replay(topic: string, selection: ReplaySelection, options: ReplayOptions = {}): Promise<DeadLetter[]> {
    return this.serialized(topic, async (store, deadLetterTopic) => {
      const batch = await store.read(deadLetterTopic);
      const done: DeadLetter[] = [];
      try {
        const wanted = 'ids' in selection ? new Set(selection.ids.map(String)) : undefined;
        const chosen = batch.letters.filter((l) => !wanted || wanted.has(l.id)).map(readDeadLetter);
        for (const letter of chosen) {
          try {
            await this.republish(topic, deadLetterTopic, letter);
          } catch (error) {
            throw new DeadLetterQueueError(deadLetterTopic, `replay of ${letter.id} failed`, {
              cause: error,
            });
          }
          done.push(letter);
          options.onProgress?.(done.length, chosen.length);
        }
        return done;
      } finally {
        try {
          await batch.markReplayed(done.map((l) => l.id));
        } finally {
          await batch.close();
        }
      }
    });
  }

  /** Disconnects the reader (the module's connection is closed by the module). */
  async close(): Promise<void> {
    const store = await this.store?.catch(() => undefined);
    this.store = undefined;
    await store?.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private async republish(topic: string, deadLetterTopic: string, letter: DeadLetter): Promise<void> {
    const transport = await this.connection.get('replay');
    const count = Number(letter.headers[DeadLetterHeaders.replayCount] ?? 0);
    await transport.publish(topic, {
      key: letter.key,
      value: letter.value,
      headers: {
        ...originalHeaders(letter.headers),
        [DeadLetterHeaders.replayCount]: String((Number.isFinite(count) ? count : 0) + 1),
      },
      // Unique per dead letter: JetStream's de-duplication would drop a second copy of the original id.
      id: `${deadLetterTopic}:${letter.id}:replay`,
    });
  }

  private serialized<T>(
    topic: string,
    run: (store: DeadLetterStore, deadLetterTopic: string) => Promise<T>,
  ): Promise<T> {
    const suffix = this.options.deadLetterSuffix;
    if (suffix === undefined) {
      return Promise.reject(
        new InvalidOptionsError('deadLetter', 'on (not false) to read dead letters', false, {
          source: 'DeadLetterQueue',
        }),
      );
    }
    if (typeof topic !== 'string' || topic === '') {
      return Promise.reject(
        new InvalidOptionsError('topic', 'a non-empty string', topic, { source: 'DeadLetterQueue' }),
      );
    }
    this.store ??= createDeadLetterStore(this.options, this.logger).catch((error: unknown) => {
      this.store = undefined;
      throw error;
    });
    const previous = this.queues.get(topic) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => run(await this.store!, `${topic}${suffix}`));
    this.queues.set(topic, next);
    void next
      .finally(() => {
        if (this.queues.get(topic) === next) this.queues.delete(topic);
      })
      .catch(() => undefined);
    return next;
  }
}
