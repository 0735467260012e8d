// An application outside the repository that uses the installed package the way the README shows: a Nest
// hybrid app with `EventBusModule.forRoot`, a `@DomainEvent` handler and `EventBus.publishDomainEvent`. The same
// source is compiled as an ES module (Nest 12) and as CommonJS (Nest 11). Configured by the environment:
// APP_TRANSPORT (memory | nats | kafka), APP_SCOPE (unique per run: topic, stream, durable), APP_NATS_SERVERS.
// Prints one JSON line: what was handled, in which order per aggregate, or why start failed.
import 'reflect-metadata';
import { Controller, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  DomainEvent,
  EventBus,
  EventBusModule,
  EventBusServer,
  RetryableError,
  type DomainEventEnvelope,
  type EventBusContext,
  type EventBusModuleOptions,
} from 'nest-ordered-eventbus';

const transport = (process.env.APP_TRANSPORT ?? 'memory') as 'memory' | 'nats' | 'kafka';
const scope = process.env.APP_SCOPE ?? 'pkg';
const topic = `${scope}.orders`;
const AGGREGATES = 6;
const VERSIONS = 20;
const DEADLINE_MS = 60_000;

const options: EventBusModuleOptions = {
  transport,
  memory: { broker: scope },
  nats: { servers: process.env.APP_NATS_SERVERS ?? 'nats://127.0.0.1:4222', stream: scope, durable: scope },
  kafka: { brokers: ['127.0.0.1:9092'], clientId: scope, groupId: scope },
  retry: { maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 200 },
};

/** What the handler saw, per aggregate, in handling order. */
@Injectable()
class Received {
  readonly versions = new Map<string, number[]>();
  total = 0;
  retried = 0;
  private resolveAll: () => void = () => undefined;
  readonly all = new Promise<void>((resolve) => (this.resolveAll = resolve));

  record(aggregateId: string, version: number): void {
    const list = this.versions.get(aggregateId) ?? [];
    list.push(version);
    this.versions.set(aggregateId, list);
    if (++this.total === AGGREGATES * VERSIONS) this.resolveAll();
  }
}

@Controller()
class OrdersController {
  constructor(private readonly received: Received) {}

  @DomainEvent(topic)
  async onOrder(
    @Payload() event: DomainEventEnvelope<{ n: number }>,
    @Ctx() ctx: EventBusContext,
  ): Promise<void> {
    // Handlers of different aggregates interleave; one event fails once and is retried in place.
    await new Promise((resolve) => setTimeout(resolve, event.payload.n % 3));
    if (event.aggregateId === 'order-0' && event.version === 3 && ctx.getAttempt() === 1) {
      this.received.retried++;
      throw new RetryableError('first attempt fails on purpose');
    }
    this.received.record(event.aggregateId, event.version);
  }
}

@Module({
  imports: [EventBusModule.forRoot(options)],
  controllers: [OrdersController],
  providers: [Received],
})
class AppModule {}

async function main(): Promise<Record<string, unknown>> {
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  try {
    app.connectMicroservice({ strategy: app.get(EventBusServer) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.init();
  } catch (error) {
    await app.close().catch(() => undefined);
    const { name, message } = error as Error;
    return { startError: { name, message } };
  }
  const bus = app.get(EventBus);
  const received = app.get(Received);
  for (let version = 1; version <= VERSIONS; version++) {
    for (let a = 0; a < AGGREGATES; a++) {
      const n = version * AGGREGATES + a;
      await bus.publishDomainEvent(topic, {
        aggregateId: `order-${a}`,
        type: 'OrderChanged',
        version,
        payload: { n },
      });
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, DEADLINE_MS)));
  await Promise.race([received.all, deadline]);
  clearTimeout(timer);
  await app.close();
  return {
    handled: received.total,
    retried: received.retried,
    versions: Object.fromEntries(received.versions),
  };
}

main().then(
  (result) => {
    const moduleSystem = typeof require === 'function' ? 'commonjs' : 'esm';
    console.log(JSON.stringify({ transport, node: process.version, moduleSystem, ...result }));
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
