import { type Admin, type Consumer, Kafka, logLevel } from 'kafkajs';
import type { LoggerService } from '@nestjs/common';
import { DeadLetterQueueError } from '../errors/dead-letter-queue.error';
import { stringHeaders } from '../transports/kafka/kafka-headers';
import { kafkaLogCreator } from '../transports/kafka/kafka-log-creator';
import type { ResolvedKafkaOptions } from '../transports/kafka/kafka-transport.options';
import type { StoredDeadLetter } from './dead-letter';
import { type DeadLetterBatch, type DeadLetterStore, EMPTY_BATCH } from './dead-letter.store';
import { advanceReplayed, formatReplayedOffsets, parseReplayedOffsets } from './replayed-offsets';

/** Prefix of the consumer group `<prefix>.<dead-letter topic>` that records which dead letters were replayed. */
export const KAFKA_DEAD_LETTER_GROUP = 'nest-ordered-eventbus.dead-letter-replay';

/** How long one read may take (joining the group included) before it fails. */
const READ_TIMEOUT_MS = 60_000;

interface PartitionState {
  readonly partition: number;
  /** Committed offset of the replay group (every offset below it was replayed). */
  readonly committed: number;
  /** Offsets replayed above `committed` (the commit's metadata). */
  readonly above: Set<number>;
  /** The log end when the read started: the read stops there. */
  readonly end: number;
}

/**
 * Dead letters on Kafka. The consumer group `nest-ordered-eventbus.dead-letter-replay.<dead-letter topic>` reads a dead-letter topic up to its end
 * as it was when the read started; replayed dead letters are committed: the offset moves over every replayed
 * run from the oldest, and the offsets replayed out of order above it travel in the commit's metadata. A dead
 * letter is thus never read as waiting once its replay was committed. One read at a time per topic.
 */
export class KafkaDeadLetterStore implements DeadLetterStore {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;
  private closed = false;

  constructor(options: ResolvedKafkaOptions, logger: LoggerService) {
    this.kafka = new Kafka({
      clientId: `${options.clientId}-dead-letters`,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(logger, () => this.closed),
      ...options.client,
    });
    this.admin = this.kafka.admin();
  }

  async read(deadLetterTopic: string): Promise<DeadLetterBatch> {
    this.connected ??= this.admin.connect();
    await this.connected;
    if (!(await this.admin.listTopics()).includes(deadLetterTopic)) return EMPTY_BATCH;
    const states = await this.partitionStates(deadLetterTopic);
    if (states.every((s) => s.committed >= s.end)) return EMPTY_BATCH;
    const consumer = this.kafka.consumer({
      groupId: `${KAFKA_DEAD_LETTER_GROUP}.${deadLetterTopic}`,
      allowAutoTopicCreation: false,
    });
    try {
      const letters = await this.consume(consumer, deadLetterTopic, states);
      return {
        letters,
        markReplayed: (ids) => this.commit(consumer, deadLetterTopic, states, ids),
        close: () => consumer.disconnect(),
      };
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.connected) await this.admin.disconnect();
    this.closed = true;
  }

  private async partitionStates(topic: string): Promise<PartitionState[]> {
    const [ends, committed] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId: `${KAFKA_DEAD_LETTER_GROUP}.${topic}`, topics: [topic] }),
    ]);
    const commits = new Map(committed[0]?.partitions.map((p) => [p.partition, p]) ?? []);
    return ends.map(({ partition, high, low }) => {
      const commit = commits.get(partition);
      const offset = Number(commit?.offset ?? -1);
      return {
        partition,
        committed: Math.max(offset, Number(low)),
        above: offset >= 0 ? parseReplayedOffsets(commit?.metadata) : new Set<number>(),
        end: Number(high),
      };
    });
  }

  /** Reads every partition from its committed offset to `end`; the letters come oldest first. */
  private async consume(
    consumer: Consumer,
    topic: string,
    states: readonly PartitionState[],
  ): Promise<StoredDeadLetter[]> {
    const byPartition = new Map(states.map((s) => [s.partition, s]));
    const open = new Set(states.filter((s) => s.committed < s.end).map((s) => s.partition));
    const letters: { letter: StoredDeadLetter; at: number; partition: number; offset: number }[] = [];
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const state = byPartition.get(batch.partition);
        if (!state || !open.has(batch.partition)) return;
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset >= state.end) break;
          if (offset >= state.committed && !state.above.has(offset)) {
            const headers = stringHeaders(m.headers);
            letters.push({
              letter: {
                id: `${batch.partition}:${offset}`,
                key: m.key?.toString(),
                value: m.value ?? Buffer.alloc(0),
                headers,
              },
              at: Number(m.timestamp),
              partition: batch.partition,
              offset,
            });
          }
          if (offset >= state.end - 1) open.delete(batch.partition);
        }
        if (open.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DeadLetterQueueError(topic, `not read to its end within ${READ_TIMEOUT_MS} ms`)),
        READ_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([finished, timedOut]);
    } finally {
      clearTimeout(timer);
    }
    await consumer.pause([{ topic }]);
    letters.sort((a, b) => a.at - b.at || a.partition - b.partition || a.offset - b.offset);
    return letters.map((l) => l.letter);
  }

  private async commit(
    consumer: Consumer,
    topic: string,
    states: readonly PartitionState[],
    ids: readonly string[],
  ): Promise<void> {
    const replayed = new Map<number, number[]>();
    for (const id of ids) {
      const [partition, offset] = id.split(':').map(Number);
      replayed.set(partition, [...(replayed.get(partition) ?? []), offset]);
    }
    const offsets = [...replayed].map(([partition, list]) => {
      const state = states.find((s) => s.partition === partition)!;
      const next = advanceReplayed(state.committed, state.above, list);
      return {
        topic,
        partition,
        offset: String(next.committed),
        metadata: formatReplayedOffsets(next.above),
      };
    });
    if (offsets.length > 0) await consumer.commitOffsets(offsets);
  }
}
