import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import { OutboxRelay, type OutboxRelayStatus } from '../outbox/outbox-relay';
import { EVENT_BUS_OPTIONS } from './event-bus.constants';
import { EventBusOutbox } from './event-bus.outbox';
import { EventBus } from './event-bus.publisher';

/**
 * Runs the outbox relay in this process when `outbox` is configured and `outbox.relay.enabled` is not false:
 * started at application bootstrap, stopped in this module's `onModuleDestroy` (before other modules close
 * their database clients). It publishes through `EventBus`, so relayed events are traced, counted and checked
 * like direct ones.
 */
@Injectable()
export class OutboxRelayRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private relay: OutboxRelay | undefined;

  constructor(
    @Inject(EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
    private readonly outbox: EventBusOutbox,
    private readonly eventBus: EventBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const outbox = this.options.outbox;
    if (!outbox?.relay.enabled || !this.outbox.writer) return;
    const writer = this.outbox.writer;
    this.relay = new OutboxRelay({
      pool: await this.outbox.pool(),
      options: outbox,
      publish: (topic, envelope) => this.eventBus.publishEnvelope(topic, envelope),
      logger: new Logger('EventBusOutbox'),
      ensureSchema: () => writer.ensureSchema(),
    });
    this.relay.start();
  }

  /** The relay's state, or undefined when it does not run in this process. */
  status(): OutboxRelayStatus | undefined {
    return this.relay?.status();
  }

  async onModuleDestroy(): Promise<void> {
    await this.relay?.stop();
  }
}
