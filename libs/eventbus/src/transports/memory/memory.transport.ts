import { TransportClosedError } from '../../errors/transport-closed.error';
import type { MemoryTransportOptions } from '../../options/event-bus.options';
import type { AdapterContext } from '../adapter-context';
import { deadLetterHeaders } from '../dead-letter-headers';
import {
  SETTLED,
  type DeadLetterInfo,
  type DeliverFn,
  type InboundMessage,
  type LagSample,
  type OutboundMessage,
  type SubscriptionSpec,
  type Transport,
  type TransportHealth,
} from '../transport.port';
import { MemoryBroker, type MemoryMember, type MemoryRecord } from './memory-broker';

/** Consumer group of the memory dead-letter queue (`DeadLetterQueue`) over every dead-letter topic. */
export const MEMORY_DEAD_LETTER_GROUP = 'eventbus.dead-letter-replay';

/**
 * The embedded default transport: an in-process broker with the same settlement semantics as the real ones
 * (acknowledged records are forgotten per group, released and unsettled ones are delivered again, dead letters
 * go to `<topic><suffix>`). One server per group receives at a time. Publishing resolves at once.
 */
export class MemoryTransport implements Transport {
  readonly name = 'memory' as const;
  private readonly broker: MemoryBroker;
  private readonly members = new Map<string, MemoryMember>();
  private readonly outstanding = new Set<MemoryInboundMessage>();
  private paused = false;
  private stopped = false;
  private closed = false;

  constructor(
    private readonly options: Required<MemoryTransportOptions>,
    private readonly context: AdapterContext,
  ) {
    this.broker = MemoryBroker.named(options.broker);
  }

  async connect(): Promise<void> {}

  async publish(topic: string, message: OutboundMessage): Promise<void> {
    if (this.closed) throw new TransportClosedError('memory', 'publish');
    this.broker.publish(topic, message);
  }

  async consume(subscriptions: readonly SubscriptionSpec[], deliver: DeliverFn): Promise<void> {
    if (this.closed) throw new TransportClosedError('memory', 'consume');
    for (const { topic } of subscriptions) {
      const member: MemoryMember = {
        paused: this.paused,
        deliver: (record, deliveryCount) => {
          const message = new MemoryInboundMessage(this, topic, record, deliveryCount);
          this.outstanding.add(message);
          deliver(message);
        },
      };
      this.members.set(topic, member);
      this.broker.join(topic, this.options.group, member);
    }
  }

  pause(): void {
    this.paused = true;
    for (const member of this.members.values()) member.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const [topic, member] of this.members) {
      member.paused = false;
      this.broker.wake(topic);
    }
  }

  async stopConsuming(): Promise<void> {
    this.stopped = true;
    for (const [topic, member] of this.members) this.broker.leave(topic, this.options.group, member);
    this.members.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopConsuming();
    for (const message of [...this.outstanding]) message.release();
  }

  health(): TransportHealth {
    // An in-process consumer cannot crash: it runs from start (with or without topics) until stopConsuming().
    return { connected: !this.closed, consuming: !this.stopped };
  }

  async lag(): Promise<LagSample[]> {
    return [...this.members.keys()].map((topic) => ({
      topic,
      partition: '',
      lag: this.broker.lag(topic, this.options.group),
    }));
  }

  /** Called once per message by its settlement. */
  settled(message: MemoryInboundMessage, outcome: 'ack' | 'release'): void {
    this.outstanding.delete(message);
    const { topic, sequence } = message;
    if (outcome === 'ack') this.broker.settle(topic, this.options.group, sequence);
    else this.broker.release(topic, this.options.group, sequence);
  }

  async writeDeadLetter(message: MemoryInboundMessage, info: DeadLetterInfo): Promise<void> {
    const suffix = this.context.deadLetterSuffix;
    if (suffix === undefined) {
      this.context.logger.warn?.(
        `dead-lettering is off; dropping ${message.topic}#${message.sequence}: ${info.reason}`,
      );
      return;
    }
    const deadLetterTopic = `${message.topic}${suffix}`;
    // The dead-letter queue reads the destination as this group: it keeps every dead letter until replayed.
    this.broker.hold(deadLetterTopic, MEMORY_DEAD_LETTER_GROUP);
    this.broker.publish(deadLetterTopic, {
      key: message.key,
      value: message.value,
      headers: deadLetterHeaders(
        message.headers,
        { topic: message.topic, offset: message.sequence, key: message.key, group: this.options.group },
        info,
      ),
    });
  }
}

class MemoryInboundMessage implements InboundMessage {
  readonly key: string | undefined;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly sequence: number;
  readonly publishedAt: number;
  private settled = false;

  constructor(
    private readonly transport: MemoryTransport,
    readonly topic: string,
    readonly raw: MemoryRecord,
    readonly deliveryCount: number,
  ) {
    this.key = raw.key;
    this.value = raw.value;
    this.headers = raw.headers;
    this.sequence = raw.sequence;
    this.publishedAt = raw.publishedAt;
  }

  header(name: string): string | undefined {
    return this.headers[name];
  }

  ack(): Promise<void> {
    this.settle('ack');
    return SETTLED;
  }

  async deadLetter(info: DeadLetterInfo): Promise<void> {
    if (this.settled) return;
    await this.transport.writeDeadLetter(this, info);
    this.settle('ack');
  }

  release(): void {
    this.settle('release');
  }

  private settle(outcome: 'ack' | 'release'): void {
    if (this.settled) return;
    this.settled = true;
    this.transport.settled(this, outcome);
  }
}
