import { Inject, Logger, Module } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DeadLetterQueue } from '../dead-letters/dead-letter-queue';
import { Observability } from '../observability/observability';
import {
  resolveEventBusOptions,
  type EventBusModuleOptions,
  type ResolvedEventBusOptions,
} from '../options/event-bus.options';
import { EventBusHealthIndicator } from './event-bus-health.indicator';
import { EventBusClient } from './event-bus.client';
import { EventBusConnection } from './event-bus.connection';
import { EVENT_BUS_OPTIONS } from './event-bus.constants';
import { ConfigurableEventBusModule, EVENT_BUS_MODULE_OPTIONS } from './event-bus.module-definition';
import { EventBusOutbox } from './event-bus.outbox';
import { EventBus } from './event-bus.publisher';
import { OutboxRelayRunner } from './outbox-relay.runner';
import { EventBusServer } from './event-bus.server';
import { runShutdownHooksFirst } from './shutdown-order';

/**
 * `EventBusModule.forRoot(options)` or `.forRootAsync({ imports, inject, useFactory })`: provides
 * `EventBusServer` (the transport strategy), `EventBus` (publisher) and `EventBusClient` (`ClientProxy`), which
 * share one broker connection, `EventBusHealthIndicator` and `DeadLetterQueue`. With `outbox`,
 * `publishDomainEvent(topic, event, { transaction })` writes to a PostgreSQL outbox table and a relay in each
 * instance publishes committed rows. Metrics (prom-client) and tracing
 * (`@opentelemetry/api`) are on when those packages are installed, unless `observability` turns them off. Global by default (`isGlobal: false` to opt out). Options are validated when the
 * module is created; an invalid one fails with `InvalidOptionsError` naming it.
 *
 * It registers no global enhancer: the application's exception filters, pipes and interceptors behave exactly
 * as without it. Its shutdown hooks run before every other module's, so on `app.close()` (or a signal with
 * `enableShutdownHooks()`) the server stops intake and drains running handlers before the application's own
 * `onModuleDestroy` hooks close what those handlers use.
 */
@Module({
  providers: [
    {
      provide: EVENT_BUS_OPTIONS,
      inject: [EVENT_BUS_MODULE_OPTIONS],
      useFactory: (options: EventBusModuleOptions) => resolveEventBusOptions(options),
    },
    {
      provide: Observability,
      inject: [EVENT_BUS_OPTIONS],
      useFactory: (options: ResolvedEventBusOptions) => Observability.load(options),
    },
    EventBusConnection,
    EventBusServer,
    EventBus,
    EventBusClient,
    EventBusHealthIndicator,
    DeadLetterQueue,
    EventBusOutbox,
    OutboxRelayRunner,
  ],
  exports: [
    EVENT_BUS_OPTIONS,
    EventBusServer,
    EventBus,
    EventBusClient,
    EventBusHealthIndicator,
    DeadLetterQueue,
  ],
})
export class EventBusModule extends ConfigurableEventBusModule {
  constructor(@Inject(ModulesContainer) modules: ModulesContainer) {
    super();
    if (!runShutdownHooksFirst(modules, EventBusModule)) {
      new Logger('EventBusModule').warn(
        'Could not order shutdown hooks: call `await app.get(EventBusServer).close()` before `app.close()` ' +
          'so handlers drain before other modules shut down.',
      );
    }
  }
}
