import { Inject, Injectable } from '@nestjs/common';
import { OutboxNotConfiguredError } from '../errors/outbox-not-configured.error';
import type { SqlClient } from '../outbox/sql-client';
import {
  createEnvelope,
  type DomainEventEnvelope,
  type NewDomainEvent,
} from '../envelope/domain-event-envelope';
import { encodeEnvelope } from '../envelope/envelope-codec';
import { encodeRaw } from '../envelope/raw-message-codec';
import { Observability } from '../observability/observability';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import { checkTopicName } from '../options/topic-rules';
import type { OutboundMessage } from '../transports/transport.port';
import { EventBusConnection } from './event-bus.connection';
import { EVENT_BUS_OPTIONS } from './event-bus.constants';
import { EventBusOutbox } from './event-bus.outbox';

/** Options of `EventBus.publish`. */
export interface PublishOptions {
  /** Ordering key: raw messages with the same key are handled in order (Kafka message key). */
  readonly key?: string;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options of `EventBus.publishDomainEvent`. */
export interface PublishDomainEventOptions {
  /**
   * A client inside the caller's open PostgreSQL transaction (anything with `query(text, values)`: a `pg`
   * `PoolClient`, TypeORM's `EntityManager` or `QueryRunner`). The event is then written to the outbox table in
   * that transaction (needs the `outbox` option) and published by the relay after commit; a rollback discards it.
   */
  readonly transaction?: SqlClient;
}

/**
 * Publishes domain events and raw messages on the configured transport. Both methods resolve only after
 * the broker confirmed the write (Kafka: acks from all in-sync replicas, idempotent producer; JetStream:
 * PubAck, de-duplicated by envelope id), and reject within `publishTimeoutMs` otherwise. They use the
 * module's one connection (opened on first use); after the application closed they reject at once with
 * `TransportClosedError`. With tracing, each publish is a `send <topic>` span whose W3C trace context travels
 * in the message (headers, and envelope `metadata`); with metrics, it is counted and timed. A topic name the
 * broker would refuse rejects with `InvalidTopicError` before anything is sent.
 */
@Injectable()
export class EventBus {
  /** Topics already checked against the broker's naming rules. */
  private readonly checkedTopics = new Set<string>();

  constructor(
    @Inject(EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
    private readonly connection: EventBusConnection,
    private readonly observability: Observability,
    private readonly outbox: EventBusOutbox,
  ) {}

  /**
   * Publishes a domain event to `topic`. `id` defaults to a UUIDv7, `occurredAt` to now, `metadata` to `{}`.
   * Resolves with the envelope as written. With `{ transaction }`, it resolves once the event is in the outbox
   * table of that transaction (nothing is sent yet); without, once the broker confirmed it.
   */
  async publishDomainEvent<T>(
    topic: string,
    event: NewDomainEvent<T>,
    options: PublishDomainEventOptions = {},
  ): Promise<DomainEventEnvelope<T>> {
    const envelope = createEnvelope(event);
    if (options.transaction === undefined) {
      await this.publishEnvelope(topic, envelope);
      return envelope;
    }
    const writer = this.outbox.writer;
    if (!writer) throw new OutboxNotConfiguredError(topic);
    this.checkTopic(topic);
    await writer.write(options.transaction, topic, envelope);
    return envelope;
  }

  /**
   * Publishes an envelope as it is (the outbox relay sends stored events with it); the trace context of the
   * `send` span is added to its `metadata`.
   */
  async publishEnvelope(topic: string, envelope: DomainEventEnvelope): Promise<void> {
    await this.send(topic, envelope.id, (trace) => {
      Object.assign(envelope.metadata, trace);
      return encodeEnvelope(envelope);
    });
  }

  /** Publishes a raw message: objects as JSON, strings as text, Buffers as bytes. */
  async publish(topic: string, body: unknown, options: PublishOptions = {}): Promise<void> {
    const encoded = encodeRaw(body);
    await this.send(topic, undefined, (trace) => ({
      key: options.key,
      value: encoded.value,
      headers: { ...options.headers, ...trace, ...encoded.headers },
    }));
  }

  /** Rejects a topic name the broker would refuse (`InvalidTopicError`); each name is checked once. */
  private checkTopic(topic: string): void {
    if (this.checkedTopics.has(topic)) return;
    checkTopicName(this.options.transport, topic, undefined, 'publish');
    this.checkedTopics.add(topic);
  }

  /** Publishes what `build` makes of the trace context to inject (empty without tracing), observed. */
  private async send(
    topic: string,
    messageId: string | undefined,
    build: (trace: Record<string, string>) => OutboundMessage,
  ): Promise<void> {
    this.checkTopic(topic);
    const { metrics, tracing } = this.observability;
    const trace: Record<string, string> = {};
    const endSpan = tracing?.send(topic, messageId, trace);
    const started = metrics ? performance.now() : 0;
    try {
      const message = build(trace);
      await (await this.connection.get('publish')).publish(topic, message);
    } catch (error) {
      endSpan?.(undefined, error);
      metrics?.published(topic, false, (performance.now() - started) / 1_000);
      throw error;
    }
    endSpan?.(undefined);
    metrics?.published(topic, true, (performance.now() - started) / 1_000);
  }
}
