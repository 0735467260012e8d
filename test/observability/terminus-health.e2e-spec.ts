import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { expect, it } from 'vitest';
import { EventBus, EventBusHealthIndicator, EventBusModule, EventBusServer } from '@app/eventbus';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { domainController } from '../support/controllers';
import { waitFor } from '../support/recorder';

describeWithBrokers('EventBusHealthIndicator with @nestjs/terminus', () => {
  it('answers 200 while healthy and 503 naming the stuck aggregate while one is stalled', async () => {
    const scope = uniqueName('terminus');
    const topic = `${scope}.orders`;
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => (release = resolve));

    @Controller('health')
    class HealthController {
      constructor(
        private readonly health: HealthCheckService,
        private readonly eventBus: EventBusHealthIndicator,
      ) {}

      @Get()
      @HealthCheck()
      check() {
        return this.health.check([() => this.eventBus.isHealthy('eventbus')]);
      }
    }
    @Module({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        EventBusModule.forRoot({
          transport: 'memory',
          memory: { broker: scope },
          observability: { stallThresholdMs: 300 },
        }),
      ],
      controllers: [
        HealthController,
        domainController({ [topic]: (e) => (e.aggregateId === 'stuck' ? stuck : undefined) }),
      ],
    })
    class AppModule {}

    const app = await NestFactory.create(AppModule, { logger: false });
    app.connectMicroservice({ strategy: app.get(EventBusServer) });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const url = `${await app.getUrl()}/health`;
    try {
      const healthy = await fetch(url);
      expect(healthy.status).toBe(200);
      expect(await healthy.json()).toMatchObject({ status: 'ok', info: { eventbus: { status: 'up' } } });

      await app
        .get(EventBus)
        .publishDomainEvent(topic, { aggregateId: 'stuck', type: 'T', version: 1, payload: {} });
      let last: { status: number; body: unknown } = { status: 0, body: undefined };
      await waitFor(
        async () => {
          const response = await fetch(url);
          last = { status: response.status, body: await response.json() };
          return response.status === 503;
        },
        () => JSON.stringify(last),
      );
      expect(last.body).toMatchObject({
        status: 'error',
        error: { eventbus: { status: 'down', stalled: { topic, aggregateId: 'stuck' } } },
      });

      release();
      await waitFor(
        async () => (await fetch(url)).status === 200,
        () => 'still down after the aggregate moved on',
      );
    } finally {
      release();
      await app.close();
    }
  });
});
