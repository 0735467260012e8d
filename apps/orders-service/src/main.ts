import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { resolveEventBusOptions } from '@app/eventbus';

@Module({})
class AppModule {}

async function main(): Promise<void> {
  const options = resolveEventBusOptions({
    transport: (process.env.EVENTBUS_TRANSPORT as never) ?? 'memory',
  });
  const app = await NestFactory.createApplicationContext(AppModule);
  app.enableShutdownHooks();
  new Logger('orders-service').log(`would use the ${options.transport} transport`);
}

void main();
