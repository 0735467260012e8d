import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { resolveEventBusOptions, type EventBusModuleOptions } from '../options/event-bus.options';
import { EventBusExceptionFilter } from './event-bus-exception.filter';
import { EventBusClient } from './event-bus.client';
import { EVENT_BUS_OPTIONS } from './event-bus.constants';
import { ConfigurableEventBusModule, EVENT_BUS_MODULE_OPTIONS } from './event-bus.module-definition';
import { EventBus } from './event-bus.publisher';
import { EventBusServer } from './event-bus.server';

/**
 * `EventBusModule.forRoot(options)` or `.forRootAsync({ imports, inject, useFactory })`: provides
 * `EventBusServer` (the transport strategy), `EventBus` (publisher) and `EventBusClient` (`ClientProxy`),
 * and registers `EventBusExceptionFilter` globally. Global by default (`isGlobal: false` to opt out).
 * Options are validated at start; an invalid one fails with `InvalidOptionsError` naming it.
 */
@Module({
  providers: [
    {
      provide: EVENT_BUS_OPTIONS,
      inject: [EVENT_BUS_MODULE_OPTIONS],
      useFactory: (options: EventBusModuleOptions) => resolveEventBusOptions(options),
    },
    EventBusServer,
    EventBus,
    EventBusClient,
    { provide: APP_FILTER, useClass: EventBusExceptionFilter },
  ],
  exports: [EVENT_BUS_OPTIONS, EventBusServer, EventBus, EventBusClient],
})
export class EventBusModule extends ConfigurableEventBusModule {}
