import { Injectable } from '@nestjs/common';
import {
  createEnvelope,
  type DomainEventEnvelope,
  type NewDomainEvent,
} from '../envelope/domain-event-envelope';
import { encodeEnvelope } from '../envelope/envelope-codec';
import { encodeRaw } from '../envelope/raw-message-codec';
import { EventBusConnection } from './event-bus.connection';

/** Options of `EventBus.publish`. */
export interface PublishOptions {
  /** Ordering key: raw messages with the same key are handled in order (Kafka message key). */
  readonly key?: string;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Publishes domain events and raw messages on the configured transport. Both methods resolve only after
 * the broker confirmed the write (Kafka: acks from all in-sync replicas, idempotent producer; JetStream:
 * PubAck, de-duplicated by envelope id), and reject within `publishTimeoutMs` otherwise. They use the
 * module's one connection (opened on first use); after the application closed they reject at once with
 * `TransportClosedError`.
 */
@Injectable()
export class EventBus {
  constructor(private readonly connection: EventBusConnection) {}

  /**
   * Publishes a domain event to `topic`. `id` defaults to a UUIDv7, `occurredAt` to now, `metadata` to `{}`.
   * Resolves with the envelope as written.
   */
  async publishDomainEvent<T>(topic: string, event: NewDomainEvent<T>): Promise<DomainEventEnvelope<T>> {
    const envelope = createEnvelope(event);
    const message = encodeEnvelope(envelope);
    await (await this.connection.get('publish')).publish(topic, message);
    return envelope;
  }

  /** Publishes a raw message: objects as JSON, strings as text, Buffers as bytes. */
  async publish(topic: string, body: unknown, options: PublishOptions = {}): Promise<void> {
    const encoded = encodeRaw(body);
    await (
      await this.connection.get('publish')
    ).publish(topic, {
      key: options.key,
      value: encoded.value,
      headers: { ...options.headers, ...encoded.headers },
    });
  }
}
