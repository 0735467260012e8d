import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  createEnvelope,
  type DomainEventEnvelope,
  type NewDomainEvent,
} from '../envelope/domain-event-envelope';
import { encodeEnvelope } from '../envelope/envelope-codec';
import { encodeRaw } from '../envelope/raw-message-codec';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import { createTransport } from '../transports/create-transport';
import type { Transport } from '../transports/transport.port';
import { EVENT_BUS_OPTIONS } from './event-bus.constants';

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
 * PubAck, de-duplicated by envelope id). The connection opens on first use and closes at shutdown.
 */
@Injectable()
export class EventBus implements OnApplicationShutdown {
  private readonly logger = new Logger('EventBus');
  private transport: Promise<Transport> | undefined;

  constructor(@Inject(EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions) {}

  /**
   * Publishes a domain event to `topic`. `id` defaults to a UUIDv7, `occurredAt` to now, `metadata` to `{}`.
   * Resolves with the envelope as written.
   */
  async publishDomainEvent<T>(topic: string, event: NewDomainEvent<T>): Promise<DomainEventEnvelope<T>> {
    const envelope = createEnvelope(event);
    await (await this.connected()).publish(topic, encodeEnvelope(envelope));
    return envelope;
  }

  /** Publishes a raw message: objects as JSON, strings as text, Buffers as bytes. */
  async publish(topic: string, body: unknown, options: PublishOptions = {}): Promise<void> {
    const encoded = encodeRaw(body);
    await (
      await this.connected()
    ).publish(topic, {
      key: options.key,
      value: encoded.value,
      headers: { ...options.headers, ...encoded.headers },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const transport = this.transport;
    this.transport = undefined;
    if (transport) await (await transport).close();
  }

  private connected(): Promise<Transport> {
    this.transport ??= this.connect();
    return this.transport;
  }

  private async connect(): Promise<Transport> {
    try {
      const transport = await createTransport(this.options, {
        deadLetterSuffix: this.options.deadLetterSuffix,
        maxBuffered: this.options.dispatcher.maxBuffered,
        publishTimeoutMs: this.options.publishTimeoutMs,
        logger: this.logger,
      });
      await transport.connect();
      return transport;
    } catch (error) {
      this.transport = undefined;
      throw error;
    }
  }
}
