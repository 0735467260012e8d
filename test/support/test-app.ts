import 'reflect-metadata';
import { Module, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { EventBus, EventBusModule, EventBusServer, type EventBusModuleOptions } from '@app/eventbus';

export interface TestApp {
  readonly app: INestApplication;
  readonly bus: EventBus;
  readonly server: EventBusServer;
  close(): Promise<void>;
}

/**
 * Starts a real Nest hybrid application the way users do: `EventBusModule.forRoot(options)`, the given
 * controllers, and `EventBusServer` connected with `inheritAppConfig: true`.
 */
export async function startApp(
  options: EventBusModuleOptions,
  controllers: Type[],
  providers: Provider[] = [],
): Promise<TestApp> {
  @Module({ imports: [EventBusModule.forRoot(options)], controllers, providers })
  class TestModule {}

  const app = await NestFactory.create(TestModule, { logger: ['error'], abortOnError: false });
  app.connectMicroservice({ strategy: app.get(EventBusServer) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.init();
  let closed: Promise<void> | undefined;
  return {
    app,
    bus: app.get(EventBus),
    server: app.get(EventBusServer),
    close: () => (closed ??= app.close()),
  };
}
