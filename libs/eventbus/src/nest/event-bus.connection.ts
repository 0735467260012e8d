import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { TransportClosedError } from '../errors/transport-closed.error';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import { createTransport } from '../transports/create-transport';
import type { Transport } from '../transports/transport.port';
import { EVENT_BUS_OPTIONS } from './event-bus.constants';

/**
 * The one broker connection of an `EventBusModule`, shared by `EventBusServer`, `EventBus` and `EventBusClient`
 * (Kafka: one producer, one admin, plus the server's consumer; NATS: one connection). Opened on first use;
 * a failed open is tried again on the next use. Closed once, by the server's `close()` or at application
 * shutdown, whichever comes first; after that every use rejects at once with `TransportClosedError` and
 * nothing reconnects.
 */
@Injectable()
export class EventBusConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('EventBus');
  private transport: Promise<Transport> | undefined;
  private closing: Promise<void> | undefined;

  constructor(@Inject(EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions) {}

  /** The connected transport; `operation` names what the caller wanted, for the error after close. */
  get(operation: string): Promise<Transport> {
    if (this.closing) return Promise.reject(new TransportClosedError(this.options.transport, operation));
    this.transport ??= this.open();
    return this.transport;
  }

  /** Closes the transport (commits, releases, disconnects). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const transport = await this.transport?.catch(() => undefined);
      await transport?.close();
    })();
    return this.closing;
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private async open(): Promise<Transport> {
    try {
      const { options } = this;
      const transport = await createTransport(options, {
        deadLetterSuffix: options.deadLetterSuffix,
        maxBuffered: options.dispatcher.maxBuffered,
        publishTimeoutMs: options.publishTimeoutMs,
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
