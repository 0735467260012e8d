import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DeadLetterHeaders, EnvelopeHeaders, type EventBusContext } from '@app/eventbus';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { domainController, rawController } from '../support/controllers';
import { aggregateIds, publishDomainRounds } from '../support/publishing';
import { Recorder, range, sleep, waitFor } from '../support/recorder';
import { startApp, type TestApp } from '../support/test-app';
import { TRANSPORTS } from '../support/transports';

const fastRetry = { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 100, multiplier: 2, jitter: 0 };

/** The same behavioural contract on every transport. */
for (const transport of TRANSPORTS) {
  const suite = transport.name === 'memory' ? describe : describeWithBrokers;
  suite(`conformance: ${transport.name} transport`, () => {
    const apps: TestApp[] = [];
    const start = async (...args: Parameters<typeof startApp>) => {
      const app = await startApp(...args);
      apps.push(app);
      return app;
    };
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((a) => a.close()));
    });
    afterAll(() => transport.cleanup?.());

    it('delivers a domain event with its envelope, headers and context', async () => {
      const scope = uniqueName('conf-pubsub');
      const topic = `${scope}.orders`;
      const seen: { event: any; ctx: EventBusContext }[] = [];
      const { bus } = await start({ ...transport.options(scope) }, [
        domainController({ [topic]: (event, ctx) => void seen.push({ event, ctx }) }),
      ]);
      const published = await bus.publishDomainEvent(topic, {
        aggregateId: 'order-42',
        type: 'OrderPlaced',
        version: 1,
        payload: { total: 99.5, lines: ['a', 'b'] },
        metadata: { correlationId: 'corr-1', tenant: 't1' },
      });
      await waitFor(
        () => seen.length === 1,
        () => `received ${seen.length}`,
      );
      const [{ event, ctx }] = seen;
      expect(event).toEqual(published);
      expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
      expect(event.metadata).toEqual({ correlationId: 'corr-1', tenant: 't1' });
      expect(ctx.getTopic()).toBe(topic);
      expect(ctx.getAttempt()).toBe(1);
      expect(ctx.getAggregateId()).toBe('order-42');
      expect(ctx.getTransport()).toBe(transport.name);
      expect(ctx.signal.aborted).toBe(false);
      expect(ctx.getHeaders()[EnvelopeHeaders.id]).toBe(published.id);
      expect(ctx.getHeaders()[EnvelopeHeaders.subject]).toBe('order-42');
      expect(ctx.getMessage()).toBeDefined();
    });

    it('keeps topics isolated and delivers raw messages with their body', async () => {
      const scope = uniqueName('conf-topics');
      const [a, b] = [`${scope}.a`, `${scope}.b`];
      const got: Record<string, unknown[]> = { a: [], b: [] };
      const { bus } = await start(transport.options(scope), [
        rawController({ [a]: (body) => void got.a.push(body), [b]: (body) => void got.b.push(body) }),
      ]);
      await bus.publish(a, { n: 1 });
      await bus.publish(b, 'text for b');
      await bus.publish(a, { n: 2 }, { key: 'k' });
      await waitFor(
        () => got.a.length === 2 && got.b.length === 1,
        () => JSON.stringify(got),
      );
      await sleep(200);
      // No order between a keyless message and a keyed one (on Kafka they may sit on different partitions).
      expect(got.a).toHaveLength(2);
      expect(got.a).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
      expect(got.b).toEqual(['text for b']);
    });

    it('handles 1000 events of 20 aggregates in per-aggregate order, several in parallel', async () => {
      const scope = uniqueName('conf-order');
      const topic = `${scope}.orders`;
      const recorder = new Recorder();
      let running = 0;
      let maxRunning = 0;
      const { bus } = await start({ ...transport.options(scope), dispatcher: { maxConcurrency: 64 } }, [
        domainController({
          [topic]: async (event) => {
            running++;
            maxRunning = Math.max(maxRunning, running);
            await sleep(Math.random() * 4);
            running--;
            recorder.succeeded(event.aggregateId, event.version);
          },
        }),
      ]);
      const aggregates = aggregateIds(20);
      await publishDomainRounds(bus, topic, aggregates, 50);
      await waitFor(
        () => recorder.successCount >= 1000,
        () => `handled ${recorder.successCount}/1000`,
        60_000,
      );
      for (const id of aggregates) expect(recorder.successes.get(id), id).toEqual(range(50));
      expect(maxRunning).toBeGreaterThan(1);
    });

    it('redelivers a failed domain event in process before the later ones of its aggregate', async () => {
      const scope = uniqueName('conf-retry');
      const topic = `${scope}.orders`;
      const recorder = new Recorder();
      let failedOnce = false;
      const { bus } = await start({ ...transport.options(scope), retry: fastRetry }, [
        domainController({
          [topic]: (event, ctx) => {
            recorder.delivered(event.aggregateId, event.version, ctx.getAttempt());
            if (event.version === 1 && !failedOnce) {
              failedOnce = true;
              throw new Error('transient failure');
            }
            recorder.succeeded(event.aggregateId, event.version);
          },
        }),
      ]);
      await publishDomainRounds(bus, topic, ['a'], 3);
      await waitFor(
        () => recorder.successCount >= 3,
        () => `handled ${recorder.successCount}`,
      );
      expect(recorder.successes.get('a')).toEqual([1, 2, 3]);
      expect(recorder.deliveries.filter((d) => d.version === 1).map((d) => d.attempt)).toEqual([1, 2]);
    });

    it('continues after close and reopen with no loss', async () => {
      const scope = uniqueName('conf-reopen');
      const topic = `${scope}.orders`;
      const recorder = new Recorder();
      // After 30 successes the handlers wait until the first instance is closing, so it never finishes the
      // stream on its own however the publishing and the handling interleave.
      let closing = false;
      let closeStarted!: () => void;
      const closeStart = new Promise<void>((resolve) => (closeStarted = resolve));
      const controller = domainController({
        [topic]: async (event) => {
          if (!closing && recorder.successCount >= 30) await closeStart;
          await sleep(2);
          recorder.succeeded(event.aggregateId, event.version);
        },
      });
      const first = await start({ ...transport.options(scope), dispatcher: { maxConcurrency: 4 } }, [
        controller,
      ]);
      const aggregates = aggregateIds(10);
      await publishDomainRounds(first.bus, topic, aggregates, 20);
      await waitFor(
        () => recorder.successCount >= 30,
        () => `handled ${recorder.successCount}`,
      );
      const closed = first.close();
      closing = true;
      closeStarted();
      await closed;
      const handledByFirst = recorder.successCount;
      await start({ ...transport.options(scope), dispatcher: { maxConcurrency: 4 } }, [controller]);
      await waitFor(
        () => aggregates.every((id) => recorder.firstSuccesses(id).length === 20),
        () => `distinct handled per aggregate: ${aggregates.map((id) => recorder.firstSuccesses(id).length)}`,
        60_000,
      );
      expect(handledByFirst).toBeLessThan(200);
      for (const id of aggregates) expect(recorder.firstSuccesses(id), id).toEqual(range(20));
    });

    it('delivers everything to each of two consumer groups', async () => {
      const scope = uniqueName('conf-groups');
      const topic = `${scope}.orders`;
      const [r1, r2] = [new Recorder(), new Recorder()];
      const one = await start(transport.options(scope, 'one'), [
        domainController({ [topic]: (e) => r1.succeeded(e.aggregateId, e.version) }),
      ]);
      await start(transport.options(scope, 'two'), [
        domainController({ [topic]: (e) => r2.succeeded(e.aggregateId, e.version) }),
      ]);
      await publishDomainRounds(one.bus, topic, aggregateIds(5), 10);
      await waitFor(
        () => r1.successCount >= 50 && r2.successCount >= 50,
        () => `${r1.successCount}/${r2.successCount}`,
      );
      for (const id of aggregateIds(5)) {
        expect(r1.successes.get(id)).toEqual(range(10));
        expect(r2.successes.get(id)).toEqual(range(10));
      }
    });

    it('dead-letters undecodable input with the reason and keeps consuming', async () => {
      const scope = uniqueName('conf-bad');
      const topic = `${scope}.orders`;
      const recorder = new Recorder();
      const dead: { body: unknown; headers: Record<string, string> }[] = [];
      const { bus } = await start(transport.options(scope), [
        domainController({ [topic]: (e) => recorder.succeeded(e.aggregateId, e.version) }),
        rawController({
          [`${topic}.dlq`]: (body, ctx) => void dead.push({ body, headers: { ...ctx.getHeaders() } }),
        }),
      ]);
      await bus.publish(topic, 'this is not an envelope');
      await bus.publish(topic, { id: 'x', type: 'T' });
      await bus.publishDomainEvent(topic, { aggregateId: 'a', type: 'T', version: 1, payload: {} });
      await waitFor(
        () => recorder.successCount === 1 && dead.length === 2,
        () => `${recorder.successCount}, ${dead.length}`,
      );
      expect(dead.map((d) => d.headers[DeadLetterHeaders.originalTopic])).toEqual([topic, topic]);
      expect(dead[0].headers[DeadLetterHeaders.error]).toMatch(/undecodable/);
      expect(dead[1].headers[DeadLetterHeaders.error]).toMatch(/undecodable/);
    });

    it('dead-letters a poison event exactly once after maxAttempts and continues its aggregate', async () => {
      const scope = uniqueName('conf-poison');
      const topic = `${scope}.orders`;
      const recorder = new Recorder();
      const dead: Record<string, string>[] = [];
      const { bus } = await start({ ...transport.options(scope), retry: fastRetry }, [
        domainController({
          [topic]: (e, ctx) => {
            recorder.delivered(e.aggregateId, e.version, ctx.getAttempt());
            if (e.version === 2) throw new TypeError('poison');
            recorder.succeeded(e.aggregateId, e.version);
          },
        }),
        rawController({ [`${topic}.dlq`]: (_body, ctx) => void dead.push({ ...ctx.getHeaders() }) }),
      ]);
      await publishDomainRounds(bus, topic, ['a'], 4);
      await waitFor(
        () => recorder.successCount >= 3 && dead.length >= 1,
        () => `${recorder.successCount}, ${dead.length}`,
      );
      await sleep(300);
      expect(recorder.successes.get('a')).toEqual([1, 3, 4]);
      expect(recorder.deliveries.filter((d) => d.version === 2).map((d) => d.attempt)).toEqual([1, 2, 3]);
      expect(dead).toHaveLength(1);
      expect(dead[0][DeadLetterHeaders.attempts]).toBe('3');
      expect(dead[0][DeadLetterHeaders.error]).toContain('TypeError: poison');
    });

    it('drops a failing raw message (at-most-once) and keeps consuming', async () => {
      const scope = uniqueName('conf-raw');
      const topic = `${scope}.audit`;
      const handled: number[] = [];
      const attempts: number[] = [];
      const { bus } = await start(transport.options(scope), [
        rawController({
          [topic]: (body: { n: number }) => {
            attempts.push(body.n);
            if (body.n === 2) throw new Error('raw failure');
            handled.push(body.n);
          },
        }),
      ]);
      for (const n of range(5)) await bus.publish(topic, { n }, { key: 'same-key' });
      await waitFor(
        () => handled.length === 4,
        () => `handled ${handled}`,
      );
      await sleep(300);
      expect(handled).toEqual([1, 3, 4, 5]);
      expect(attempts).toEqual([1, 2, 3, 4, 5]);
    });

    it('cuts a hung handler at handlerTimeoutMs without stalling other aggregates', async () => {
      const scope = uniqueName('conf-hang');
      const topic = `${scope}.orders`;
      const recorder = new Recorder();
      let hungOnce = false;
      let abortedSignal = false;
      // Cut after 1 s: publishing the other aggregates' events ends well before.
      const { bus } = await start(
        { ...transport.options(scope), retry: fastRetry, dispatcher: { handlerTimeoutMs: 1_000 } },
        [
          domainController({
            [topic]: async (e, ctx) => {
              if (e.aggregateId === 'hung' && e.version === 1 && !hungOnce) {
                hungOnce = true;
                await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
                abortedSignal = ctx.signal.aborted;
                return new Promise(() => undefined);
              }
              recorder.succeeded(e.aggregateId, e.version);
            },
          }),
        ],
      );
      await publishDomainRounds(bus, topic, ['hung', 'b', 'c'], 3);
      await waitFor(
        () => recorder.successCount >= 9,
        () => `handled ${recorder.successCount}`,
      );
      expect(recorder.successes.get('hung')).toEqual([1, 2, 3]);
      expect(recorder.indexOf('b', 3)).toBeLessThan(recorder.indexOf('hung', 1));
      expect(recorder.indexOf('c', 3)).toBeLessThan(recorder.indexOf('hung', 1));
      expect(abortedSignal).toBe(true);
    });

    it('close() lets an in-flight handler finish and acknowledges it (no redelivery after reopen)', async () => {
      const scope = uniqueName('conf-drain');
      const topic = `${scope}.orders`;
      const recorder = new Recorder();
      let started = false;
      const controller = domainController({
        [topic]: async (e) => {
          recorder.delivered(e.aggregateId, e.version);
          started = true;
          await sleep(e.version === 1 ? 500 : 0);
          recorder.succeeded(e.aggregateId, e.version);
        },
      });
      const first = await start(transport.options(scope), [controller]);
      await first.bus.publishDomainEvent(topic, { aggregateId: 'a', type: 'T', version: 1, payload: {} });
      await waitFor(
        () => started,
        () => 'handler never started',
      );
      await first.close();
      expect(recorder.successes.get('a')).toEqual([1]);
      const second = await start(transport.options(scope), [controller]);
      await second.bus.publishDomainEvent(topic, { aggregateId: 'a', type: 'T', version: 2, payload: {} });
      await waitFor(
        () => recorder.successCount >= 2,
        () => `handled ${recorder.successCount}`,
      );
      await sleep(300);
      expect(recorder.successes.get('a')).toEqual([1, 2]);
      expect(recorder.deliveries.filter((d) => d.version === 1)).toHaveLength(1);
    });

    it('survives concurrent close calls', async () => {
      const scope = uniqueName('conf-close');
      const topic = `${scope}.orders`;
      const recorder = new Recorder();
      const app = await start(transport.options(scope), [
        domainController({ [topic]: (e) => recorder.succeeded(e.aggregateId, e.version) }),
      ]);
      await app.bus.publishDomainEvent(topic, { aggregateId: 'a', type: 'T', version: 1, payload: {} });
      await waitFor(
        () => recorder.successCount === 1,
        () => 'not handled',
      );
      await expect(Promise.all([app.server.close(), app.server.close(), app.close()])).resolves.toBeDefined();
    });
  });
}
