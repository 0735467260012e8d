import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, type MicroserviceOptions, Payload, Transport } from '@nestjs/microservices';
import { type BenchEvent, benchEventOf } from '../lib/bench-event';
import type { ContenderFactory } from '../lib/contender';

/**
 * Nest's built-in Kafka transport (`ServerKafka`) with its defaults: an `@EventPattern(topic)` handler,
 * kafkajs `eachMessage` one message at a time, auto-commit. Only `fromBeginning` is set, because the
 * data is published before the consumer group first joins.
 */
export const createContender: ContenderFactory = (job, handle) => {
  @Controller()
  class BenchController {
    @EventPattern<string>(job.topic)
    onEvent(@Payload() body: BenchEvent | { payload: BenchEvent }): void | Promise<void> {
      return handle(benchEventOf(body, job.wire));
    }
  }

  @Module({ controllers: [BenchController] })
  class BenchModule {}

  let app: INestMicroservice | undefined;
  return {
    async start() {
      app = await NestFactory.createMicroservice<MicroserviceOptions>(BenchModule, {
        transport: Transport.KAFKA,
        options: {
          client: { clientId: 'bench-nest', brokers: job.kafkaBrokers },
          consumer: { groupId: job.group },
          subscribe: { fromBeginning: true },
        },
        logger: ['error'],
      });
      await app.listen();
    },
    stop: async () => app?.close(),
  };
};
