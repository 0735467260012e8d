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
  type Transport,
} from '@app/eventbus';
import { EventBusConnection } from '@app/eventbus/nest/event-bus.connection';
import type { BenchEvent } from '../lib/bench-event';
import type { ContenderFactory } from '../lib/contender';
import { BENCH_EVENT_TYPE, eventBusOptions } from './eventbus-options';

/**
 * This library: a hybrid Nest app with `EventBusServer` connected as its microservice strategy and one
 * `@DomainEvent(topic)` handler, with the default dispatcher limits and observability as configured (by default
 * metrics and tracing on: prom-client and @opentelemetry/api are installed, no OpenTelemetry SDK registered). On
 * the memory transport the data is published here, through `EventBus.publishDomainEvent`, because the broker
 * lives in this process.
 *
 * As one instance of a scaled-out run (`job.instance` set), it pauses the module's transport before the server
 * listens: the instance joins the durable and takes its partitions (JetStream `nats.partitions`) but pulls
 * nothing until `resume()`. The transport is reached through the module's `EventBusConnection`, which is not
 * part of the package's API; the partitions held are those `lag()` reports (one sample per partition pulled).
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
  const transport = () => app!.get(EventBusServer).unwrap<Transport>();
  return {
    async start() {
      app = await NestFactory.create(BenchModule, { logger: ['error'] });
      app.connectMicroservice({ strategy: app.get(EventBusServer) }, { inheritAppConfig: true });
      if (job.instance) (await app.get(EventBusConnection).get('bench')).pause();
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
    async heldPartitions() {
      return (await transport().lag()).map((sample) => Number(sample.partition)).sort((a, b) => a - b);
    },
    resume: () => transport().resume(),
    stop: async () => app?.close(),
  };
}
