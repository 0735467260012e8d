import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventBus, EventBusModule } from '@app/eventbus';
import { eventBatches } from '../lib/bench-event';
import { nowMs } from '../lib/clock';
import type { PublishEvents } from './contender-registry';
import { BENCH_EVENT_TYPE, eventBusOptions } from './eventbus-options';

/**
 * Publishes the data set as domain events through the library's own `EventBus` (envelopes, key =
 * aggregate id, broker-confirmed), each batch awaited before the next so every aggregate's versions are
 * written in order. The payload is the plain `BenchEvent`. On JetStream the library provisions the stream.
 */
export const publishEvents: PublishEvents = async (job, shape) => {
  @Module({ imports: [EventBusModule.forRoot(eventBusOptions(job))] })
  class PublisherModule {}

  const app = await NestFactory.createApplicationContext(PublisherModule, { logger: ['error'] });
  try {
    const bus = app.get(EventBus);
    for (const batch of eventBatches(shape)) {
      const publishedAt = nowMs();
      await Promise.all(
        batch.map((event) =>
          bus.publishDomainEvent(job.topic, {
            aggregateId: event.aggregateId,
            type: BENCH_EVENT_TYPE,
            version: event.version,
            payload: { ...event, publishedAt },
          }),
        ),
      );
    }
  } finally {
    await app.close();
  }
};
