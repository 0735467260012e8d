import { Controller, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import {
  DomainEvent,
  type DomainEventEnvelope,
  EventBus,
  EventBusModule,
  EventBusServer,
  type ObservabilityOptions,
} from '@app/eventbus';
import type { BenchEvent } from '../lib/bench-event';
import type { ContenderFactory } from '../lib/contender';
import { BENCH_EVENT_TYPE, eventBusOptions } from './eventbus-options';

/**
 * This library: a hybrid Nest app with `EventBusServer` connected as its microservice strategy and one
 * `@DomainEvent(topic)` handler, with the default dispatcher limits and observability as configured (by default
 * metrics and tracing on: prom-client and @opentelemetry/api are installed, no OpenTelemetry SDK registered). On
 * the memory transport the data is published here, through `EventBus.publishDomainEvent`, because the broker
 * lives in this process.
 */
export const createContender: ContenderFactory = (job, handle) => eventBusContender(job, handle, {});

/** The same contender with `observability` set as given. */
export function eventBusContender(
  ...[job, handle, observability]: [...Parameters<ContenderFactory>, ObservabilityOptions]
): ReturnType<ContenderFactory> {
  @Controller()
  class BenchController {
    @DomainEvent(job.topic)
    onEvent(@Payload() event: DomainEventEnvelope<BenchEvent>): void | Promise<void> {
      return handle({
        aggregateId: event.aggregateId,
        version: event.version,
        publishedAt: event.payload.publishedAt,
      });
    }
  }

  @Module({
    imports: [EventBusModule.forRoot({ ...eventBusOptions(job), observability })],
    controllers: [BenchController],
  })
  class BenchModule {}

  let app: INestApplication | undefined;
  let bus: EventBus | undefined;
  return {
    async start() {
      app = await NestFactory.create(BenchModule, { logger: ['error'] });
      app.connectMicroservice({ strategy: app.get(EventBusServer) }, { inheritAppConfig: true });
      await app.startAllMicroservices();
      await app.init();
      bus = app.get(EventBus);
    },
    async publishBatch(events) {
      await Promise.all(
        events.map((payload) =>
          bus!.publishDomainEvent(job.topic, {
            aggregateId: payload.aggregateId,
            type: BENCH_EVENT_TYPE,
            version: payload.version,
            payload,
          }),
        ),
      );
    },
    stop: async () => app?.close(),
  };
}
