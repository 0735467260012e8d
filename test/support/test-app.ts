import 'reflect-metadata';
import { Module, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { afterEach } from 'vitest';
import { EventBus, EventBusModule, EventBusServer, type EventBusModuleOptions } from '@app/eventbus';

export interface TestApp {
  readonly app: INestApplication;
  readonly bus: EventBus;
  readonly server: EventBusServer;
  close(): Promise<void>;
}

/**
 * Starts a real Nest hybrid application the way users do: `EventBusModule.forRoot(options)`, the given
 * controllers, and `EventBusServer` connected with `inheritAppConfig: true`. `logger` is the application's
 * logger (default: errors only, to the console). When the start fails, the application is closed and the
 * error rethrown.
 */
export async function startApp(
  options: EventBusModuleOptions,
  controllers: Type[],
  providers: Provider[] = [],
  logger: LoggerService | LogLevel[] = ['error'],
): Promise<TestApp> {
  @Module({ imports: [EventBusModule.forRoot(options)], controllers, providers })
  class TestModule {}

  const app = await NestFactory.create(TestModule, { logger, abortOnError: false });
  app.connectMicroservice({ strategy: app.get(EventBusServer) }, { inheritAppConfig: true });
  try {
    await app.startAllMicroservices();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  await app.init();
  let closed: Promise<void> | undefined;
  return {
    app,
    bus: app.get(EventBus),
    server: app.get(EventBusServer),
    close: () => (closed ??= app.close()),
  };
}

/**
 * `startApp` for one `describe` block: every app it starts is closed after each test, even when the test
 * failed. Call it at the top of the block.
 */
export function appsClosedAfterEach(): typeof startApp {
  const apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });
  return async (...args) => {
    const app = await startApp(...args);
    apps.push(app);
    return app;
  };
}
