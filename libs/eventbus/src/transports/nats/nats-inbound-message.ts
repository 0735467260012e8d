import type { JsMsg } from '@nats-io/jetstream';
import { SETTLED, type DeadLetterInfo, type InboundMessage } from '../transport.port';
import { MessageRevokedError } from '../../errors/message-revoked.error';
import type { DeliveryInfo } from './nats-delivery-info';
import { readDeliveredHeaders } from './nats-headers';

/** How a message ended on this instance: acknowledged, or terminated after it was dead-lettered. */
export type NatsSettledOutcome = 'ack' | 'term';

/** What a delivered message needs from its consumer loop to settle. */
export interface NatsSettlement {
  /** Called once when the message is acknowledged or terminated. */
  settled(message: NatsInboundMessage, outcome: NatsSettledOutcome): void;
  /** Called once when the message is released; the loop decides when and how to `nak` it. */
  released(message: NatsInboundMessage): void;
  /** Writes the dead-letter copy and resolves on the server's PubAck. */
  writeDeadLetter(message: NatsInboundMessage, info: DeadLetterInfo): Promise<void>;
  warn(message: string): void;
  /** True once another instance may own the message: it is then neither settled nor kept alive here. */
  revoked(): boolean;
}

/**
 * A delivered JetStream message as the core sees it. `sequence` is the stream sequence; `deliveryCount` counts
 * the server's deliveries (2 after one redelivery); `raw` is the `JsMsg` of this delivery.
 *
 * Settlement happens once; later calls are no-ops:
 * - `ack()`: `msg.ack()`, sent by the consumer loop with the other settlements of the same event-loop turn. It
 *   is not confirmed by the server: should it be lost (connection cut), the server redelivers and the loop acks
 *   the copy again without delivering it (at-least-once either way).
 * - `deadLetter()`: publishes to `<subject><suffix>`, waits for the PubAck, then `msg.term()`. A failed publish
 *   rejects and leaves the message unsettled.
 * - `release()`: a `nak` for prompt redelivery, sent by the consumer loop (see `NatsConsumerLoop`).
 *
 * Once the settlement reports the message revoked (its partition's lease was lost), `ack()` and a finished
 * dead-lettering send nothing, and `deadLetter()` rejects with `MessageRevokedError`: the new owner receives it again.
 *
 * While unsettled, `keepAlive()` sends `working()` so the server does not redeliver it after `ack_wait`. When
 * the server redelivers it anyway, `refresh()` adopts the newer delivery for settlement instead of handing the
 * core a second copy.
 */
export class NatsInboundMessage implements InboundMessage {
  readonly topic: string;
  readonly key: string | undefined;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly sequence: number;
  readonly deliveryCount: number;
  readonly publishedAt: number;
  readonly raw: JsMsg;
  /** The concrete subject it was published to (the topic may be a wildcard). */
  readonly subject: string;
  private current: JsMsg;
  private done = false;
  private outcome: NatsSettledOutcome | undefined;
  private deadLettering: Promise<void> | undefined;

  constructor(
    msg: JsMsg,
    topic: string,
    private readonly settlement: NatsSettlement,
    delivery: DeliveryInfo,
  ) {
    const { headers, key } = readDeliveredHeaders(msg);
    this.topic = topic;
    this.subject = msg.subject;
    this.key = key;
    this.headers = headers;
    const data = msg.data;
    this.value = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.sequence = delivery.streamSequence;
    this.deliveryCount = delivery.deliveryCount;
    this.publishedAt = delivery.timestampMs;
    this.raw = msg;
    this.current = msg;
  }

  /** True once this instance lost the message's partition: the core drops it unhandled. */
  isRevoked(): boolean {
    return this.settlement.revoked();
  }

  header(name: string): string | undefined {
    return this.headers[name];
  }

  ack(): Promise<void> {
    if (!this.done) this.finish('ack');
    return SETTLED;
  }

  deadLetter(info: DeadLetterInfo): Promise<void> {
    if (this.done) return Promise.resolve();
    if (!this.deadLettering && this.settlement.revoked()) {
      this.release();
      return Promise.reject(new MessageRevokedError(this.topic, this.sequence));
    }
    this.deadLettering ??= this.settlement.writeDeadLetter(this, info).then(
      () => {
        if (!this.done) this.finish('term');
      },
      (err: unknown) => {
        this.deadLettering = undefined;
        throw err;
      },
    );
    return this.deadLettering;
  }

  release(): void {
    if (this.done) return;
    this.done = true;
    this.settlement.released(this);
  }

  /** Resets the server's `ack_wait` timer of an unsettled message. */
  keepAlive(): void {
    if (!this.done && !this.settlement.revoked()) this.sendWorking();
  }

  sendWorking(): void {
    this.send(() => this.current.working(), 'working');
  }

  /** Asks the server to redeliver it. */
  sendNak(): void {
    this.send(() => this.current.nak(), 'nak');
  }

  /** The server delivered this message again while it is still held here: settle through the newer delivery. */
  refresh(redelivery: JsMsg): void {
    this.current = redelivery;
    this.keepAlive();
  }

  private finish(outcome: NatsSettledOutcome): void {
    this.done = true;
    this.outcome = outcome;
    this.settlement.settled(this, outcome);
  }

  /** Sends the settlement `ack()` or `deadLetter()` decided on (the consumer loop calls it, see `finish`). */
  sendSettlement(): void {
    const outcome = this.outcome;
    if (outcome) this.send(() => (outcome === 'ack' ? this.current.ack() : this.current.term()), outcome);
  }

  /** Protocol replies are buffered by nats.js while reconnecting; they only throw once the connection closed. */
  private send(reply: () => void, what: string): void {
    try {
      reply();
    } catch (err) {
      this.settlement.warn(
        `JetStream ${what} of ${this.subject} #${this.sequence} not sent (${(err as Error).message}); ` +
          `the server will redeliver it.`,
      );
    }
  }
}
