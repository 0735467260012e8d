import type { IHeaders, Message } from 'kafkajs';
import { deadLetterHeaders } from '../dead-letter-headers';
import type { DeadLetterInfo } from '../transport.port';
import { KafkaDeadLetterError } from './kafka-dead-letter.error';

/** A consumed record about to be dead-lettered. */
export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The record's headers as consumed: values byte for byte, every value of a repeated key. */
  readonly headers: IHeaders | undefined;
}

/** Writes one record and resolves once the broker confirmed it (acks from all in-sync replicas). */
export type ConfirmedSend = (topic: string, message: Message) => Promise<void>;

/**
 * Writes dead letters to `<topic><suffix>`: the original key, value and headers (byte for byte, repeated
 * keys included) plus the `x-dead-letter-*` headers of `DeadLetterHeaders`, which replace original headers
 * of the same name.
 */
export class KafkaDeadLetterWriter {
  constructor(
    readonly suffix: string,
    private readonly groupId: string,
    private readonly send: ConfirmedSend,
  ) {}

  topicOf(topic: string): string {
    return `${topic}${this.suffix}`;
  }

  /** Resolves once the broker confirmed the dead letter; rejects with `KafkaDeadLetterError` otherwise. */
  async write(source: DeadLetterSource, info: DeadLetterInfo): Promise<void> {
    const deadLetterTopic = this.topicOf(source.topic);
    const added = deadLetterHeaders(
      {},
      {
        topic: source.topic,
        partition: source.partition,
        offset: source.offset,
        key: source.key?.toString(),
        group: this.groupId,
      },
      info,
    );
    const headers: IHeaders = { ...source.headers, ...added };
    try {
      await this.send(deadLetterTopic, { key: source.key, value: source.value, headers });
    } catch (error) {
      throw new KafkaDeadLetterError(source.topic, source.partition, source.offset, deadLetterTopic, error);
    }
  }
}
