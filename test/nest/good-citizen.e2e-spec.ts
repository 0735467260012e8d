import 'reflect-metadata';
import {
  Catch,
  Controller,
  Get,
  Injectable,
  Module,
  type ArgumentsHost,
  type ExceptionFilter,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  AckDecision,
  DeadLetterHeaders,
  DomainEvent,
  EventBus,
  EventBusModule,
  EventBusServer,
  InvalidTopicError,
  RawEvent,
  TransportClosedError,
  type DomainEventEnvelope,
  type EventBusContext,
  type EventBusModuleOptions,
} from '@app/eventbus';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { domainController, rawController } from '../support/controllers';
import { Recorder, range, sleep, waitFor } from '../support/recorder';
import { appsClosedAfterEach, startApp, type TestApp } from '../support/test-app';
import { TRANSPORTS } from '../support/transports';

const memory = (scope: string): EventBusModuleOptions => ({
  transport: 'memory',
  memory: { broker: scope },
  retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50, multiplier: 2, jitter: 0 },
});

const event = (aggregateId: string, version: number) => ({ aggregateId, type: 'T', version, payload: {} });

/** Open TCP sockets of this process (broker connections: nothing else in a test process uses TCP). */
const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('A good citizen inside a real application (memory transport)', () => {
  const start = appsClosedAfterEach();

  describe('several handlers of one topic', () => {
    it('run one after another in declaration order, each once per attempt', async () => {
      const scope = uniqueName('handlers');
      const topic = `${scope}.orders`;
      const calls: string[] = [];
      @Controller()
      class ThreeHandlers {
        @DomainEvent(topic)
        async a() {
          calls.push('a:start');
          await sleep(30);
          calls.push('a:end');
        }

        @DomainEvent(topic)
        async b() {
          calls.push('b:start');
          await sleep(10);
          calls.push('b:end');
        }

        @DomainEvent(topic)
        c() {
          calls.push('c');
        }
      }
      const { bus, server } = await start(memory(scope), [ThreeHandlers]);
      await bus.publishDomainEvent(topic, event('x', 1));
      await waitFor(
        () => server.counters?.handled === 1,
        () => calls.join(),
      );
      await sleep(50);
      expect(calls).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c']);
    });

    it('stop at the first that does not succeed, which decides; a retry starts again from the first', async () => {
      const scope = uniqueName('handlers-fail');
      const topic = `${scope}.orders`;
      const calls: string[] = [];
      const dead: Record<string, string>[] = [];
      @Controller()
      class Handlers {
        @DomainEvent(topic)
        a(@Payload() e: DomainEventEnvelope) {
          calls.push(`a${e.version}`);
        }

        @DomainEvent(topic)
        b(@Payload() e: DomainEventEnvelope, @Ctx() ctx: EventBusContext) {
          calls.push(`b${e.version}`);
          if (e.version === 1 && ctx.getAttempt() === 1) throw new Error('once');
          if (e.version === 2) return AckDecision.deadLetter('b refuses v2');
        }

        @DomainEvent(topic)
        c(@Payload() e: DomainEventEnvelope) {
          calls.push(`c${e.version}`);
        }

        @RawEvent(`${topic}.dlq`)
        onDead(@Ctx() ctx: EventBusContext) {
          dead.push({ ...ctx.getHeaders() });
        }
      }
      const { bus, server } = await start(memory(scope), [Handlers]);
      await bus.publishDomainEvent(topic, event('x', 1));
      await bus.publishDomainEvent(topic, event('x', 2));
      await waitFor(
        () => server.counters?.['dead-lettered'] === 1 && dead.length === 1,
        () => `${calls.join()} ${JSON.stringify(server.counters)}`,
      );
      await sleep(50);
      expect(calls).toEqual(['a1', 'b1', 'a1', 'b1', 'c1', 'a2', 'b2']);
      expect(dead[0][DeadLetterHeaders.error]).toBe('b refuses v2');
    });

    it('get a payload of their own: a handler that mutates it changes nothing for the next one or a retry', async () => {
      const scope = uniqueName('payload-copy');
      const topic = `${scope}.orders`;
      const seen: unknown[] = [];
      @Controller()
      class Mutating {
        @DomainEvent(topic)
        a(@Payload() e: DomainEventEnvelope<{ n: number }>, @Ctx() ctx: EventBusContext) {
          seen.push(e.payload.n);
          e.payload.n = 99;
          if (ctx.getAttempt() === 1) throw new Error('again');
        }

        @DomainEvent(topic)
        b(@Payload() e: DomainEventEnvelope<{ n: number }>) {
          seen.push(e.payload.n);
          e.payload.n = 77;
        }
      }
      const { bus, server } = await start(memory(scope), [Mutating]);
      await bus.publishDomainEvent(topic, { aggregateId: 'x', type: 'T', version: 1, payload: { n: 1 } });
      await waitFor(
        () => server.counters?.handled === 1,
        () => JSON.stringify(seen),
      );
      expect(seen).toEqual([1, 1, 1]);
    });
  });

  describe('exception filters', () => {
    @Catch()
    class TeapotFilter implements ExceptionFilter {
      catch(_error: unknown, host: ArgumentsHost) {
        if (host.getType() !== 'http') return throwError(() => AckDecision.discard('app filter'));
        host
          .switchToHttp()
          .getResponse<{ status(code: number): { json(body: unknown): void } }>()
          .status(418)
          .json({ from: 'app filter' });
      }
    }

    it("leave the application's own APP_FILTER in charge of HTTP routes", async () => {
      @Controller('boom')
      class Boom {
        @Get()
        boom() {
          throw new Error('route failed');
        }
      }
      const app = await start(
        memory(uniqueName('app-filter')),
        [Boom],
        [{ provide: APP_FILTER, useClass: TeapotFilter }],
      );
      await app.app.listen(0, '127.0.0.1');
      const { port } = app.app.getHttpServer().address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/boom`);
      expect(response.status).toBe(418);
      expect(await response.json()).toEqual({ from: 'app filter' });
    });

    it("consult the application's filters first for this transport's handlers too", async () => {
      const scope = uniqueName('rpc-filter');
      const topic = `${scope}.orders`;
      let calls = 0;
      @Controller()
      class Failing {
        @DomainEvent(topic)
        on() {
          calls++;
          throw new Error('handled by the app filter');
        }
      }
      const { bus, server } = await start(
        memory(scope),
        [Failing],
        [{ provide: APP_FILTER, useClass: TeapotFilter }],
      );
      await bus.publishDomainEvent(topic, event('x', 1));
      await waitFor(
        () => server.counters?.discarded === 1,
        () => JSON.stringify(server.counters),
      );
      expect(calls).toBe(1);
      expect(server.counters?.['retry-scheduled']).toBe(0);
    });

    const failing = (topic: string) => {
      @Controller()
      class Failing {
        @DomainEvent(`${topic}.bare`)
        bare() {
          throw new TypeError('cannot read the order');
        }

        @DomainEvent(`${topic}.payload`)
        payloadOnly(@Payload() _event: DomainEventEnvelope) {
          throw new TypeError('cannot read the order');
        }

        @DomainEvent(`${topic}.inner`)
        async innerPayload(@Payload('payload') _payload: unknown) {
          await Promise.resolve();
          throw new TypeError('cannot read the order');
        }

        @DomainEvent(`${topic}.stream`)
        stream(@Payload() _event: DomainEventEnvelope, @Ctx() _ctx: EventBusContext) {
          return throwError(() => new TypeError('cannot read the order'));
        }
      }
      return Failing;
    };

    it.each(['bare', 'payload', 'inner', 'stream'])(
      'keep the original error when no filter of the application matches: its message is the dead-letter reason (%s handler)',
      async (kind) => {
        const scope = uniqueName('original-error');
        const topic = `${scope}.orders.${kind}`;
        const dead: Record<string, string>[] = [];
        const { bus } = await start(memory(scope), [
          failing(`${scope}.orders`),
          rawController({ [`${topic}.dlq`]: (_b, ctx) => void dead.push({ ...ctx.getHeaders() }) }),
        ]);
        await bus.publishDomainEvent(topic, event('x', 1));
        await waitFor(
          () => dead.length === 1,
          () => 'no dead letter',
        );
        expect(dead[0][DeadLetterHeaders.error]).toBe('TypeError: cannot read the order (after 3 attempts)');
      },
    );

    it("leave the decision to the library when an HTTP catch-all filter rethrows outside HTTP (the README's pattern)", async () => {
      @Catch()
      class HttpOnlyCatchAll implements ExceptionFilter {
        catch(exception: unknown, host: ArgumentsHost) {
          if (host.getType() !== 'http') throw exception;
          host
            .switchToHttp()
            .getResponse<{ status(code: number): { json(b: unknown): void } }>()
            .status(500)
            .json({});
        }
      }
      const scope = uniqueName('catch-all');
      const dead: Record<string, string>[] = [];
      const { bus } = await start(
        memory(scope),
        [
          failing(`${scope}.orders`),
          rawController({
            [`${scope}.orders.bare.dlq`]: (_b, ctx) => void dead.push({ ...ctx.getHeaders() }),
          }),
        ],
        [{ provide: APP_FILTER, useClass: HttpOnlyCatchAll }],
      );
      await bus.publishDomainEvent(`${scope}.orders.bare`, event('x', 1));
      await waitFor(
        () => dead.length === 1,
        () => 'no dead letter',
      );
      expect(dead[0][DeadLetterHeaders.error]).toBe('TypeError: cannot read the order (after 3 attempts)');
    });
  });

  describe('binding', () => {
    it('@RawEvent and @DomainEvent land on EventBusServer only; another transport keeps its bound patterns', async () => {
      const OTHER = Symbol('OTHER_TRANSPORT');
      class OtherServer extends Server implements CustomTransportStrategy {
        override readonly transportId = OTHER;
        listen(callback: () => void) {
          callback();
        }
        close() {}
        on() {}
        unwrap<T>(): T {
          return undefined as T;
        }
      }
      const scope = uniqueName('binding');
      @Controller()
      class Mixed {
        @RawEvent(`${scope}.ours-raw`)
        raw() {}

        @DomainEvent(`${scope}.ours-domain`)
        domain() {}

        @EventPattern<string>(`${scope}.theirs`, OTHER)
        theirs() {}
      }
      @Module({ imports: [EventBusModule.forRoot(memory(scope))], controllers: [Mixed] })
      class AppModule {}
      const app = await NestFactory.create(AppModule, { logger: ['error'] });
      const other = new OtherServer();
      app.connectMicroservice({ strategy: app.get(EventBusServer) });
      app.connectMicroservice({ strategy: other });
      await app.startAllMicroservices();
      try {
        expect([...app.get(EventBusServer).getHandlers().keys()].sort()).toEqual([
          `${scope}.ours-domain`,
          `${scope}.ours-raw`,
        ]);
        expect([...other.getHandlers().keys()]).toEqual([`${scope}.theirs`]);
      } finally {
        await app.close();
      }
    });
  });

  describe('validation', () => {
    it('refuses typos, broker-invalid topics and dead-letter names at start, and invalid topics on publish', async () => {
      const scope = uniqueName('validation');
      await expect(
        startApp({ ...memory(scope), dispatcher: { maxConcurency: 4 } as never }, []),
      ).rejects.toThrow(/"dispatcher\.maxConcurency" is unknown; did you mean "dispatcher\.maxConcurrency"/);
      await expect(
        startApp({ ...memory(scope), dispatcher: { handlerTimeoutMs: Number.MAX_SAFE_INTEGER } }, []),
      ).rejects.toThrow(/dispatcher\.handlerTimeoutMs/);
      await expect(
        startApp(memory(scope), [domainController({ [`${scope}.>`]: () => undefined })]),
      ).rejects.toThrow(InvalidTopicError);
      expect(() => DomainEvent(`${scope}.orders`, { maxAttempts: Number.NaN })).toThrow(/maxAttempts/);
      @Controller()
      class Mixed {
        @DomainEvent(`${scope}.mixed`)
        domain() {}
        @RawEvent(`${scope}.mixed`)
        raw() {}
      }
      await expect(startApp(memory(scope), [Mixed])).rejects.toThrow(
        `Handlers of topic "${scope}.mixed" mix @DomainEvent with @RawEvent or @EventPattern: a topic has one ` +
          'delivery semantics. Put @DomainEvent on all of its handlers, or @RawEvent on all of them.',
      );
      const app = await start(memory(scope), []);
      await expect(app.bus.publish('has space', {})).rejects.toBeInstanceOf(InvalidTopicError);
      await expect(app.bus.publishDomainEvent(`${scope}.*`, event('x', 1))).rejects.toBeInstanceOf(
        InvalidTopicError,
      );
    });
  });

  describe('lifecycle', () => {
    /** A database client that fails every query once closed. */
    class FakeDb {
      closed = false;
      async query(what: string): Promise<string> {
        await sleep(40);
        if (this.closed) throw new Error(`database closed (${what})`);
        return what;
      }
    }

    it('drains running handlers before other modules close what they use (onModuleDestroy, onApplicationShutdown)', async () => {
      const scope = uniqueName('drain-first');
      const topic = `${scope}.orders`;
      const destroyedDb = new FakeDb();
      const shutDownDb = new FakeDb();
      const recorder = new Recorder();
      const failures: string[] = [];

      @Injectable()
      class DestroyedDbHolder implements OnModuleDestroy {
        onModuleDestroy() {
          destroyedDb.closed = true;
        }
      }
      @Injectable()
      class ShutDownDbHolder implements OnApplicationShutdown {
        onApplicationShutdown() {
          shutDownDb.closed = true;
        }
      }
      @Module({ providers: [DestroyedDbHolder, ShutDownDbHolder] })
      class DatabaseModule {}

      @Controller()
      class Orders {
        @DomainEvent(topic)
        async on(@Payload() e: DomainEventEnvelope) {
          try {
            await destroyedDb.query(`${e.aggregateId}:${e.version}`);
            await shutDownDb.query(`${e.aggregateId}:${e.version}`);
          } catch (error) {
            failures.push(String(error));
            throw error;
          }
          recorder.succeeded(e.aggregateId, e.version);
        }
      }
      const options = { ...memory(scope), retry: { maxAttempts: 1 } };
      const boot = async () => {
        @Module({
          imports: [DatabaseModule, EventBusModule.forRoot(options)],
          controllers: [Orders],
        })
        class AppModule {}
        const app = await NestFactory.create(AppModule, { logger: ['error'] });
        app.connectMicroservice({ strategy: app.get(EventBusServer) });
        await app.startAllMicroservices();
        await app.init();
        return app;
      };
      const first = await boot();
      const aggregates = range(8).map((i) => `agg-${i}`);
      for (const version of range(3)) {
        for (const id of aggregates) await first.get(EventBus).publishDomainEvent(topic, event(id, version));
      }
      await waitFor(
        () => recorder.successCount >= 4,
        () => `${recorder.successCount} handled`,
      );
      const server = first.get(EventBusServer);
      await first.close();
      expect(failures).toEqual([]);
      expect(server.counters?.['dead-lettered']).toBe(0);

      destroyedDb.closed = false;
      shutDownDb.closed = false;
      const second = await boot();
      try {
        await waitFor(
          () => recorder.successCount >= 24,
          () => `${recorder.successCount} handled`,
        );
        for (const id of aggregates) expect(recorder.firstSuccesses(id)).toEqual([1, 2, 3]);
        expect(failures).toEqual([]);
      } finally {
        await second.close();
      }
    });

    it('hands a memory group over only once the closing server settled what it holds', async () => {
      const scope = uniqueName('takeover');
      const topic = `${scope}.orders`;
      const log: string[] = [];
      let finishV1: () => void = () => undefined;
      const handlers = (name: string) =>
        domainController({
          [topic]: async (e) => {
            log.push(`${name} start v${e.version}`);
            if (name === 'first' && e.version === 1)
              await new Promise<void>((resolve) => (finishV1 = resolve));
            log.push(`${name} end v${e.version}`);
          },
        });
      const options: EventBusModuleOptions = { ...memory(scope), dispatcher: { shutdownTimeoutMs: 5_000 } };
      const first = await start(options, [handlers('first')]);
      const second = await start(options, [handlers('second')]);
      await first.bus.publishDomainEvent(topic, event('x', 1));
      await waitFor(
        () => log.includes('first start v1'),
        () => log.join(),
      );
      await first.bus.publishDomainEvent(topic, event('x', 2));
      const closing = first.close();
      // Once the server is closing, intake stops at once (memory); v1 ends after that.
      await waitFor(
        () => first.server.health().status === 'closing',
        () => `status ${first.server.health().status}`,
      );
      await sleep(100);
      finishV1();
      await closing;
      await waitFor(
        () => log.includes('second end v2'),
        () => log.join(),
      );
      expect(log).toEqual(['first start v1', 'first end v1', 'second start v2', 'second end v2']);
      expect(second.server.counters?.handled).toBe(1);
    });

    it('never counts releases at shutdown as attempts: a released event still gets all its attempts', async () => {
      const scope = uniqueName('release-attempts');
      const topic = `${scope}.orders`;
      let phase: 'hang' | 'fail' = 'hang';
      let hung = 0;
      const attempts: number[] = [];
      const dead: Record<string, string>[] = [];
      const handlers = domainController({
        [topic]: async (_e, ctx) => {
          if (phase === 'hang') {
            hung++;
            await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
            throw new Error('aborted by shutdown');
          }
          attempts.push(ctx.getAttempt());
          throw new Error('always fails');
        },
      });
      const options: EventBusModuleOptions = {
        ...memory(scope),
        dispatcher: { shutdownTimeoutMs: 50 },
        retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 5, jitter: 0 },
      };
      let publisher: TestApp | undefined;
      for (let shutdown = 0; shutdown < 4; shutdown++) {
        const app = await startApp(options, [handlers]);
        if (!publisher) {
          publisher = app;
          await app.bus.publishDomainEvent(topic, event('x', 1));
        }
        await waitFor(
          () => hung === shutdown + 1,
          () => `delivered ${hung} times at shutdown ${shutdown}`,
        );
        await app.close();
      }
      phase = 'fail';
      const last = await start(options, [
        handlers,
        rawController({ [`${topic}.dlq`]: (_b, ctx) => void dead.push({ ...ctx.getHeaders() }) }),
      ]);
      await waitFor(
        () => dead.length === 1,
        () => `attempts ${attempts}`,
      );
      expect(attempts).toEqual([1, 2, 3]);
      expect(dead[0][DeadLetterHeaders.attempts]).toBe('3');
      expect(last.server.counters?.['dead-lettered']).toBe(1);
    });
  });
});

describeWithBrokers('One connection per module, closed for good at shutdown', () => {
  for (const transport of TRANSPORTS) {
    it(`${transport.name}: publish after close rejects at once with TransportClosedError and opens nothing`, async () => {
      const scope = uniqueName(`closed-${transport.name}`);
      const topic = `${scope}.orders`;
      const recorder = new Recorder();
      const before = tcpSockets();
      const app = await startApp(transport.options(scope), [
        domainController({ [topic]: (e) => void recorder.succeeded(e.aggregateId, e.version) }),
      ]);
      await app.bus.publishDomainEvent(topic, event('x', 1));
      await waitFor(
        () => recorder.successCount === 1,
        () => 'not handled',
      );
      if (transport.name === 'nats') expect(tcpSockets() - before).toBe(1);
      await app.close();
      const started = Date.now();
      await expect(app.bus.publishDomainEvent(topic, event('x', 2))).rejects.toBeInstanceOf(
        TransportClosedError,
      );
      await expect(app.bus.publish(topic, { late: true })).rejects.toBeInstanceOf(TransportClosedError);
      expect(Date.now() - started).toBeLessThan(1_000);
      await waitFor(
        () => tcpSockets() <= before,
        () => `${tcpSockets()} sockets open, ${before} before`,
        5_000,
      );
      // At most as many as before: a socket of an earlier test may still close meanwhile.
      expect(tcpSockets()).toBeLessThanOrEqual(before);
      await transport.cleanup?.();
    });
  }
});
