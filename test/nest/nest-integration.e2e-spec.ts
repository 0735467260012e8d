import 'reflect-metadata';
import {
  Catch,
  Controller,
  Get,
  HttpException,
  Injectable,
  Logger,
  Module,
  UseFilters,
  ValidationPipe,
  type CallHandler,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, type AsyncMicroserviceOptions } from '@nestjs/microservices';
import { IsInt, IsString, Min } from 'class-validator';
import { throwError, tap } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import {
  AckDecision,
  DeadLetterError,
  DeadLetterHeaders,
  DiscardError,
  DomainEvent,
  EventBus,
  EventBusClient,
  EventBusContext,
  EventBusModule,
  EventBusServer,
  InvalidOptionsError,
  RetryableError,
  type DomainEventEnvelope,
  type Transport,
} from '@app/eventbus';
import { uniqueName } from '../support/brokers';
import { domainController, rawController } from '../support/controllers';
import { Recorder, sleep, waitFor } from '../support/recorder';
import { appsClosedAfterEach, startApp } from '../support/test-app';
import { MemoryTransport } from '../../libs/eventbus/src/transports/memory/memory.transport';

const memory = (scope: string) => ({
  transport: 'memory' as const,
  memory: { broker: scope },
  retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50, multiplier: 2, jitter: 0 },
});

class StockUnavailable extends Error {}

@Catch(StockUnavailable)
class StockUnavailableFilter implements ExceptionFilter {
  catch() {
    return throwError(() => AckDecision.retry({ delayMs: 20 }));
  }
}

class OrderPlaced {
  @IsString() sku!: string;
  @IsInt() @Min(1) quantity!: number;
}

describe('Nest integration (memory transport)', () => {
  const start = appsClosedAfterEach();

  it('rejects invalid options at start with a message naming the option and allowed values', async () => {
    await expect(startApp({ transport: 'rabbit' as never }, [])).rejects.toThrow(
      /option "transport" must be one of 'memory', 'kafka', 'nats'; got "rabbit"/,
    );
    await expect(startApp({ dispatcher: { maxConcurrency: 0 } }, [])).rejects.toThrow(InvalidOptionsError);
    await expect(startApp({ transport: 'kafka', kafka: { brokers: [] } }, [])).rejects.toThrow(
      /kafka\.brokers/,
    );
    await expect(startApp({ retry: { jitter: 2 } }, [])).rejects.toThrow(/retry\.jitter/);
  });

  it('forRootAsync builds options from injected providers', async () => {
    const scope = uniqueName('async');
    const topic = `${scope}.orders`;
    const recorder = new Recorder();
    @Injectable()
    class Settings {
      readonly broker = scope;
    }
    @Module({ providers: [Settings], exports: [Settings] })
    class SettingsModule {}
    @Controller()
    class Handler {
      @DomainEvent(topic)
      on(@Payload() e: DomainEventEnvelope) {
        recorder.succeeded(e.aggregateId, e.version);
      }
    }
    @Module({
      imports: [
        EventBusModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (settings: Settings) => ({ transport: 'memory', memory: { broker: settings.broker } }),
        }),
      ],
      controllers: [Handler],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    app.connectMicroservice({ strategy: app.get(EventBusServer) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.init();
    try {
      await app
        .get(EventBusClient)
        .emit(topic, { aggregateId: 'a', type: 'T', version: 1, payload: {} })
        .toPromise();
      await waitFor(
        () => recorder.successCount === 1,
        () => 'not handled',
      );
      expect(recorder.successes.get('a')).toEqual([1]);
    } finally {
      await app.close();
    }
  });

  it('runs as a standalone microservice: createMicroservice takes the server from the container', async () => {
    const scope = uniqueName('standalone');
    const topic = `${scope}.orders`;
    const recorder = new Recorder();
    @Module({
      imports: [EventBusModule.forRoot({ transport: 'memory', memory: { broker: scope } })],
      controllers: [domainController({ [topic]: (e) => recorder.succeeded(e.aggregateId, e.version) })],
    })
    class AppModule {}
    const app = await NestFactory.createMicroservice<AsyncMicroserviceOptions>(AppModule, {
      logger: false,
      inject: [EventBusServer],
      useFactory: (server: EventBusServer) => ({ strategy: server }),
    });
    await app.listen();
    try {
      for (const version of [1, 2, 3]) {
        await app
          .get(EventBus)
          .publishDomainEvent(topic, { aggregateId: 'a', type: 'T', version, payload: {} });
      }
      await waitFor(
        () => recorder.successCount === 3,
        () => `${recorder.successCount} handled`,
      );
      expect(recorder.successes.get('a')).toEqual([1, 2, 3]);
    } finally {
      await app.close();
    }
  });

  it('maps RetryableError, DeadLetterError and DiscardError thrown by handlers', async () => {
    const scope = uniqueName('typed');
    const topic = `${scope}.orders`;
    const attempts: Record<string, number[]> = {};
    const dead: Record<string, string>[] = [];
    const { bus, server } = await start(memory(scope), [
      domainController({
        [topic]: (e, ctx) => {
          (attempts[e.aggregateId] ??= []).push(ctx.getAttempt());
          if (e.aggregateId === 'retry' && ctx.getAttempt() === 1)
            throw new RetryableError('later', { delayMs: 30 });
          if (e.aggregateId === 'dead') throw new DeadLetterError('cannot ever work');
          if (e.aggregateId === 'skip') throw new DiscardError('not for us');
        },
      }),
      rawController({ [`${topic}.dlq`]: (_b, ctx) => void dead.push({ ...ctx.getHeaders() }) }),
    ]);
    for (const aggregateId of ['retry', 'dead', 'skip']) {
      await bus.publishDomainEvent(topic, { aggregateId, type: 'T', version: 1, payload: {} });
    }
    await waitFor(
      () => attempts.retry?.length === 2 && dead.length === 1,
      () => `${JSON.stringify(attempts)} ${JSON.stringify(server.counters)}`,
    );
    await sleep(20);
    expect(attempts).toEqual({ retry: [1, 2], dead: [1], skip: [1] });
    expect(dead[0][DeadLetterHeaders.error]).toBe('cannot ever work');
    // handled: the retried event and the dead letter read back from the DLQ topic.
    expect(server.counters).toMatchObject({
      handled: 2,
      'dead-lettered': 1,
      discarded: 1,
      'retry-scheduled': 1,
    });
  });

  it("logs what a handler with nothing bound throws or rejects with, as Nest's RPC exception filter logs it", async () => {
    const scope = uniqueName('logged');
    const topic = `${scope}.orders`;
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const { bus, server } = await start(
        { ...memory(scope), retry: { ...memory(scope).retry, maxAttempts: 1 } },
        [
          domainController({
            [topic]: async (e) => {
              if (e.aggregateId === 'throws') throw new Error('thrown by the handler');
              await sleep(1);
              throw new Error('rejected by the handler');
            },
          }),
        ],
      );
      for (const aggregateId of ['throws', 'rejects']) {
        await bus.publishDomainEvent(topic, { aggregateId, type: 'T', version: 1, payload: {} });
      }
      await waitFor(
        () => server.counters?.['dead-lettered'] === 2,
        () => JSON.stringify(server.counters),
      );
      const messages = logged.mock.calls.map(([error]) => (error instanceof Error ? error.message : error));
      expect(messages.filter((m) => m === 'thrown by the handler')).toHaveLength(1);
      expect(messages.filter((m) => m === 'rejected by the handler')).toHaveLength(1);
    } finally {
      logged.mockRestore();
    }
  });

  it("hands the transport its dispatcher's load: backlogged while maxConcurrency aggregates wait for a slot", async () => {
    const scope = uniqueName('load');
    const topic = `${scope}.orders`;
    const consume = vi.spyOn(MemoryTransport.prototype, 'consume');
    try {
      const gates: (() => void)[] = [];
      const { bus } = await start({ ...memory(scope), dispatcher: { maxConcurrency: 1 } }, [
        domainController({ [topic]: () => new Promise<void>((resolve) => gates.push(resolve)) }),
      ]);
      // The memory transport does not read the load; the server hands it to every transport.
      const load = (consume.mock.calls[0] as Parameters<Transport['consume']> | undefined)?.[2];
      expect(load?.backlogged).toBe(false);
      for (const aggregateId of ['a', 'b'])
        await bus.publishDomainEvent(topic, { aggregateId, type: 'T', version: 1, payload: {} });
      await waitFor(
        () => gates.length === 1 && load?.backlogged === true,
        () => `${gates.length} running`,
      );
      gates.shift()!(); // a ends, b runs: nothing waits any more
      await waitFor(
        () => gates.length === 1 && load?.backlogged === false,
        () => `${gates.length} running`,
      );
      gates.shift()!();
    } finally {
      consume.mockRestore();
    }
  });

  it('lets a user @Catch filter map its own exception to a decision', async () => {
    const scope = uniqueName('filter');
    const topic = `${scope}.orders`;
    const attempts: number[] = [];
    @Controller()
    @UseFilters(StockUnavailableFilter)
    class StockController {
      @DomainEvent(topic)
      on(@Ctx() ctx: EventBusContext) {
        attempts.push(ctx.getAttempt());
        if (ctx.getAttempt() < 3) throw new StockUnavailable('no stock yet');
      }
    }
    const { bus, server } = await start(
      { ...memory(scope), retry: { maxAttempts: 5, initialDelayMs: 5000 } },
      [StockController],
    );
    await bus.publishDomainEvent(topic, { aggregateId: 'a', type: 'T', version: 1, payload: {} });
    await waitFor(
      () => server.counters?.handled === 1,
      () => `attempts ${attempts}`,
    );
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('runs ValidationPipe on a DTO payload; an invalid one is dead-lettered through exceptionFactory', async () => {
    const scope = uniqueName('validation');
    const topic = `${scope}.orders`;
    const handled: OrderPlaced[] = [];
    const dead: Record<string, string>[] = [];
    const pipe = new ValidationPipe({
      transform: true,
      exceptionFactory: (errors) =>
        new DeadLetterError(`invalid payload: ${errors.map((e) => e.property).join(', ')}`),
    });
    @Controller()
    class ValidatedController {
      @DomainEvent(topic)
      on(@Payload('payload', pipe) order: OrderPlaced) {
        expect(order).toBeInstanceOf(OrderPlaced);
        handled.push(order);
      }

      @EventPattern<string>(`${topic}.dlq`)
      onDead(@Ctx() ctx: EventBusContext) {
        dead.push({ ...ctx.getHeaders() });
      }
    }
    const { bus } = await start(memory(scope), [ValidatedController]);
    await bus.publishDomainEvent(topic, {
      aggregateId: 'a',
      type: 'T',
      version: 1,
      payload: { sku: 'x', quantity: 0 },
    });
    await bus.publishDomainEvent(topic, {
      aggregateId: 'a',
      type: 'T',
      version: 2,
      payload: { sku: 'y', quantity: 2 },
    });
    await waitFor(
      () => handled.length === 1 && dead.length === 1,
      () => `${handled.length}, ${dead.length}`,
    );
    expect(handled[0]).toMatchObject({ sku: 'y', quantity: 2 });
    expect(dead[0][DeadLetterHeaders.error]).toBe('invalid payload: quantity');
  });

  it('runs a global ValidationPipe set before the server connects on every event handler', async () => {
    const scope = uniqueName('global-pipe');
    const topic = `${scope}.orders`;
    const handled: unknown[] = [];
    class Envelope {
      @IsString() aggregateId!: string;
      @IsInt() @Min(2) version!: number;
    }
    @Controller()
    class Handler {
      @DomainEvent(topic, { maxAttempts: 1 })
      on(@Payload() e: Envelope) {
        handled.push(e);
      }
    }
    @Module({ imports: [EventBusModule.forRoot(memory(scope))], controllers: [Handler] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    app.useGlobalPipes(new ValidationPipe({ transform: true }));
    app.connectMicroservice({ strategy: app.get(EventBusServer) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.init();
    try {
      const bus = app.get(EventBusServer);
      for (const version of [1, 2]) {
        await app
          .get(EventBusClient)
          .emit(topic, { aggregateId: 'a', type: 'T', version, payload: {} })
          .toPromise();
      }
      await waitFor(
        () => handled.length === 1 && bus.counters?.['dead-lettered'] === 1,
        () => `handled ${handled.length}, ${JSON.stringify(bus.counters)}`,
      );
      expect(handled[0]).toBeInstanceOf(Envelope);
      expect(handled[0]).toMatchObject({ aggregateId: 'a', version: 2 });
    } finally {
      await app.close();
    }
  });

  it('runs global interceptors around event handlers', async () => {
    const scope = uniqueName('interceptor');
    const topic = `${scope}.orders`;
    const seen: string[] = [];
    @Injectable()
    class Tracing implements NestInterceptor {
      intercept(context: ExecutionContext, next: CallHandler) {
        const ctx = context.switchToRpc().getContext<EventBusContext>();
        seen.push(`before ${ctx.getAggregateId()}`);
        return next.handle().pipe(tap(() => seen.push(`after ${ctx.getAggregateId()}`)));
      }
    }
    const app = await start(
      memory(scope),
      [domainController({ [topic]: () => void seen.push('handler') })],
      [{ provide: APP_INTERCEPTOR, useClass: Tracing }],
    );
    await app.bus.publishDomainEvent(topic, { aggregateId: 'a', type: 'T', version: 1, payload: {} });
    await waitFor(
      () => seen.length === 3,
      () => seen.join(),
    );
    expect(seen).toEqual(['before a', 'handler', 'after a']);
  });

  it('leaves HTTP routes of a hybrid app to Nest: an HttpException keeps its status', async () => {
    @Controller('orders')
    class HttpController {
      @Get()
      list() {
        throw new HttpException({ message: 'teapot' }, 418);
      }
    }
    const app = await start(memory(uniqueName('http')), [HttpController]);
    await app.app.listen(0, '127.0.0.1');
    const address = app.app.getHttpServer().address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${address.port}/orders`);
    expect(response.status).toBe(418);
    expect(await response.json()).toEqual({ message: 'teapot' });
  });

  it('publishes raw messages through EventBusClient.emit and keeps strings, JSON and bytes apart', async () => {
    const scope = uniqueName('client');
    const topic = `${scope}.audit`;
    const bodies: unknown[] = [];
    const app = await start(memory(scope), [rawController({ [topic]: (body) => void bodies.push(body) })]);
    const client = app.app.get(EventBusClient);
    await client.emit(topic, { who: 'x' }).toPromise();
    await client.emit(topic, '42').toPromise();
    await client.emit(topic, Buffer.from([1, 2, 3])).toPromise();
    await waitFor(
      () => bodies.length === 3,
      () => `${bodies.length}`,
    );
    await sleep(10);
    expect(bodies[0]).toEqual({ who: 'x' });
    expect(bodies[1]).toBe('42');
    expect(Buffer.isBuffer(bodies[2]) && [...(bodies[2] as Buffer)]).toEqual([1, 2, 3]);
  });
});
