import type { LoggerService } from '@nestjs/common';
import type { KafkaMessage } from 'kafkajs';
import { MessageRevokedError } from '../../errors/message-revoked.error';
import { SETTLED, type DeadLetterInfo, type InboundMessage } from '../transport.port';
import type { KafkaDeadLetterWriter } from './kafka-dead-letter-writer';
import { stringHeader, stringHeaders } from './kafka-headers';
import type { PartitionWatermark } from './partition-watermark';

const EMPTY = Buffer.alloc(0);

/**
 * One consumed Kafka record. Settling it (`ack`, or `deadLetter` once the dead letter is confirmed) lets
 * the partition's commit watermark pass it; `release` leaves it unsettled, so it is consumed again after
 * a restart or by the partition's next owner. The first settlement counts; later ones are no-ops. A
 * record of a partition this consumer no longer owns is its new owner's: `ack` has no effect, and
 * `deadLetter` writes nothing, releases it and rejects with `MessageRevokedError`.
 */
export class KafkaInboundMessage implements InboundMessage {
  readonly value: Buffer;
  readonly sequence: number;
  readonly deliveryCount = 1;
  readonly publishedAt: number;
  private done = false;
  private deadLettering: Promise<void> | undefined;
  /** `headers`, built on first use: most messages only have the envelope's checked headers read (`header`). */
  private converted: Record<string, string> | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly raw: KafkaMessage,
    private readonly watermark: PartitionWatermark,
    private readonly deadLetters: KafkaDeadLetterWriter | undefined,
    private readonly logger: LoggerService,
  ) {
    this.value = raw.value ?? EMPTY;
    this.sequence = Number(raw.offset);
    this.publishedAt = Number(raw.timestamp);
  }

  /** The record key as a string, converted on each read (the library reads it for raw messages and recorded spans). */
  get key(): string | undefined {
    return this.raw.key === null ? undefined : this.raw.key.toString();
  }

  get headers(): Readonly<Record<string, string>> {
    return (this.converted ??= stringHeaders(this.raw.headers));
  }

  header(name: string): string | undefined {
    return this.converted ? this.converted[name] : stringHeader(this.raw.headers, name);
  }

  isRevoked(): boolean {
    return this.watermark.revoked;
  }

  ack(): Promise<void> {
    this.settle();
    return SETTLED;
  }

  deadLetter(info: DeadLetterInfo): Promise<void> {
    if (this.done) return Promise.resolve();
    if (!this.deadLettering && this.watermark.revoked) {
      this.release();
      return Promise.reject(new MessageRevokedError(this.topic, this.sequence));
    }
    this.deadLettering ??= this.writeDeadLetter(info).finally(() => (this.deadLettering = undefined));
    return this.deadLettering;
  }

  release(): void {
    this.done = true;
  }

  private async writeDeadLetter(info: DeadLetterInfo): Promise<void> {
    const where = `${this.topic}[${this.partition}]@${this.raw.offset}`;
    if (!this.deadLetters) {
      this.logger.warn(
        `Dead-lettering is off: ${where} is acknowledged after ${info.attempts} attempt(s): ${info.reason}`,
      );
    } else {
      await this.deadLetters.write(
        {
          topic: this.topic,
          partition: this.partition,
          offset: this.raw.offset,
          key: this.raw.key,
          value: this.raw.value,
          headers: this.raw.headers,
        },
        info,
      );
    }
    this.settle();
  }

  private settle(): void {
    if (this.done) return;
    this.done = true;
    this.watermark.settle(this.sequence);
  }
}
