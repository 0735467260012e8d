import 'reflect-metadata';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, EventBusHealthIndicator, SpanAttributes, type EventBusModuleOptions } from '@app/eventbus';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { domainController, rawController } from '../support/controllers';
import { Recorder, range, sleep, waitFor } from '../support/recorder';
import { startApp, type TestApp } from '../support/test-app';
import { TRANSPORTS } from '../support/transports';

const event = (aggregateId: string, version: number) => ({ aggregateId, type: 'T', version, payload: {} });
const fastRetry = { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20, jitter: 0 };

/** The sum of a metric's samples that carry the given labels (`_count`/`_sum` of a histogram too); 0 when none. */
async function sample(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const base = name.replace(/_(count|sum)$/, '');
  const metric = registry.getSingleMetric(base);
  if (!metric) throw new Error(`metric ${base} is not registered`);
  const { values } = await metric.get();
  const match = values.filter(
    (v) =>
      ((v as { metricName?: string }).metricName ?? base) === name &&
      Object.entries(labels).every(
        ([k, value]) => String((v.labels as Record<string, unknown>)[k]) === value,
      ),
  );
  return match.reduce((sum, v) => sum + v.value, 0);
}

describeWithBrokers('Observability', () => {
  const exporter = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
  });
  afterAll(async () => {
    trace.disable();
    propagation.disable();
    context.disable();
    await Promise.all(TRANSPORTS.map((t) => t.cleanup?.()));
  });

  for (const transport of TRANSPORTS) {
    describe(transport.name, () => {
      const start = (
        scope: string,
        extra: EventBusModuleOptions,
        controllers: Parameters<typeof startApp>[1],
      ) => startApp({ ...transport.options(scope), ...extra }, controllers);

      it('counts every outcome, times handlers, publishes and end-to-end latency on the given registry', async () => {
        const scope = uniqueName(`metrics-${transport.name}`);
        const orders = `${scope}.orders`;
        const audit = `${scope}.audit`;
        const registry = new Registry();
        const recorder = new Recorder();
        let rawCalls = 0;
        const app = await start(scope, { retry: fastRetry, observability: { metrics: { registry } } }, [
          domainController({
            [orders]: (e, ctx) => {
              if (e.aggregateId === 'flaky' && e.version === 1 && ctx.getAttempt() === 1)
                throw new Error('once');
              recorder.succeeded(e.aggregateId, e.version);
            },
          }),
          rawController({
            [audit]: (body: { n: number }) => {
              rawCalls++;
              if (body.n === 2) throw new Error('raw failure');
            },
          }),
        ]);
        try {
          for (const version of range(4)) {
            for (const id of ['flaky', 'a', 'b'])
              await app.bus.publishDomainEvent(orders, event(id, version));
          }
          await app.bus.publish(audit, { n: 1 });
          await app.bus.publish(audit, { n: 2 });
          await waitFor(
            () => recorder.successCount === 12 && rawCalls === 2,
            () => `${recorder.successCount} handled, ${rawCalls} raw calls`,
          );
          await sleep(100);
          const messages = 'eventbus_messages_total';
          expect(await sample(registry, messages, { topic: orders, outcome: 'handled' })).toBe(12);
          expect(await sample(registry, messages, { topic: orders, outcome: 'retried' })).toBe(1);
          expect(
            await sample(registry, messages, { topic: audit, semantics: 'raw', outcome: 'handled' }),
          ).toBe(1);
          expect(await sample(registry, messages, { topic: audit, outcome: 'dropped' })).toBe(1);
          expect(await sample(registry, messages, { outcome: 'dead_lettered' })).toBe(0);
          expect(
            await sample(registry, 'eventbus_handler_duration_seconds_count', {
              topic: orders,
              outcome: 'handled',
            }),
          ).toBe(12);
          expect(
            await sample(registry, 'eventbus_handler_duration_seconds_count', {
              topic: orders,
              outcome: 'retried',
            }),
          ).toBe(1);
          expect(await sample(registry, 'eventbus_end_to_end_seconds_count', { topic: orders })).toBe(12);
          expect(await sample(registry, 'eventbus_published_total', { topic: orders, status: 'ok' })).toBe(
            12,
          );
          expect(await sample(registry, 'eventbus_published_total', { topic: audit, status: 'ok' })).toBe(2);
          expect(await sample(registry, 'eventbus_publish_duration_seconds_count', { topic: orders })).toBe(
            12,
          );
          expect(await sample(registry, 'eventbus_buffered_messages')).toBe(0);
          expect(await sample(registry, 'eventbus_running_handlers')).toBe(0);
          expect(await sample(registry, 'eventbus_active_aggregates')).toBe(0);
          const text = await registry.metrics();
          expect(text).toContain(
            `eventbus_messages_total{topic="${orders}",semantics="domain-event",outcome="handled"} 12`,
          );
        } finally {
          await app.close();
        }
      });

      it('shows consumer lag rising while handlers are held and back to 0 after; a stuck aggregate in the oldest-unsettled gauge and health', async () => {
        const scope = uniqueName(`lag-${transport.name}`);
        const orders = `${scope}.orders`;
        const registry = new Registry();
        let open: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => (open = resolve));
        const recorder = new Recorder();
        const app = await start(
          scope,
          {
            retry: fastRetry,
            observability: { metrics: { registry }, lagIntervalMs: 100, stallThresholdMs: 400 },
          },
          [
            domainController({
              [orders]: async (e) => {
                await gate;
                recorder.succeeded(e.aggregateId, e.version);
              },
            }),
          ],
        );
        const health = app.app.get(EventBusHealthIndicator);
        try {
          expect((await health.isHealthy()).eventbus).toMatchObject({
            status: 'up',
            connected: true,
            consuming: true,
          });
          for (const version of range(5)) {
            for (const id of ['x', 'y']) await app.bus.publishDomainEvent(orders, event(id, version));
          }
          let lag = -1;
          const lagIs = async (expected: number) =>
            (lag = await sample(registry, 'eventbus_consumer_lag', { topic: orders })) === expected;
          await waitFor(
            () => lagIs(10),
            () => `lag ${lag}`,
          );
          await waitFor(
            async () =>
              (await sample(registry, 'eventbus_oldest_unsettled_seconds', { topic: orders })) > 0.4,
            () => 'oldest unsettled does not rise',
          );
          expect(await sample(registry, 'eventbus_active_aggregates')).toBe(2);
          expect(await sample(registry, 'eventbus_running_handlers')).toBe(2);
          const down = (await health.isHealthy('bus')).bus;
          expect(down.status).toBe('down');
          expect(down.stalled?.topic).toBe(orders);
          expect(['x', 'y']).toContain(down.stalled?.aggregateId);
          expect(down.reason).toContain(orders);

          open();
          await waitFor(
            () => recorder.successCount === 10,
            () => `${recorder.successCount} handled`,
          );
          await waitFor(
            () => lagIs(0),
            () => `lag ${lag}`,
          );
          expect(await sample(registry, 'eventbus_oldest_unsettled_seconds', { topic: orders })).toBe(0);
          expect((await health.isHealthy()).eventbus.status).toBe('up');
        } finally {
          open();
          await app.close();
        }
        expect((await health.isHealthy()).eventbus).toMatchObject({ status: 'down', server: 'disconnected' });
      });

      it('reports a publish-only app (no handlers) up while connected, and down after close', async () => {
        const scope = uniqueName(`publish-only-${transport.name}`);
        const app = await start(scope, {}, []);
        const health = app.app.get(EventBusHealthIndicator);
        try {
          await app.bus.publishDomainEvent(`${scope}.orders`, event('x', 1));
          expect((await health.isHealthy()).eventbus).toMatchObject({
            status: 'up',
            connected: true,
            consuming: true,
          });
        } finally {
          await app.close();
        }
        expect((await health.isHealthy()).eventbus).toMatchObject({ status: 'down', server: 'disconnected' });
      });

      it('traces publish -> broker -> handler -> publish as one trace: send and process spans, the handler inside', async () => {
        const scope = uniqueName(`trace-${transport.name}`);
        const first = `${scope}.first`;
        const second = `${scope}.second`;
        const tracer = trace.getTracer('test');
        let secondHandled = false;
        const started: { bus?: EventBus } = {};
        const app: TestApp = await start(scope, { retry: fastRetry }, [
          domainController({
            [first]: async (e, ctx) => {
              if (ctx.getAttempt() === 1) throw new Error('first attempt fails');
              await tracer.startActiveSpan('handler work', async (span) => {
                await started.bus!.publishDomainEvent(second, event(e.aggregateId, 1));
                span.end();
              });
            },
            [second]: () => {
              secondHandled = true;
            },
          }),
        ]);
        started.bus = app.bus;
        exporter.reset();
        try {
          const envelope = await tracer.startActiveSpan('request', async (root) => {
            const published = await app.bus.publishDomainEvent(first, event('order-1', 1));
            root.end();
            return published;
          });
          await waitFor(
            () =>
              secondHandled &&
              exporter.getFinishedSpans().filter((s) => s.name === `process ${second}`).length === 1,
            () =>
              exporter
                .getFinishedSpans()
                .map((s) => s.name)
                .join(', '),
          );
          await sleep(50);
          const spans = exporter.getFinishedSpans();
          const named = (name: string) => spans.filter((s) => s.name === name);
          const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
          const [root] = named('request');
          const [sendFirst] = named(`send ${first}`);
          const processFirst = named(`process ${first}`).sort(
            (a, b) =>
              Number(a.attributes[SpanAttributes.attempt]) - Number(b.attributes[SpanAttributes.attempt]),
          );
          const [work] = named('handler work');
          const [sendSecond] = named(`send ${second}`);
          const [processSecond] = named(`process ${second}`);
          const traceId = root.spanContext().traceId;
          for (const span of [sendFirst, ...processFirst, work, sendSecond, processSecond]) {
            expect(span.spanContext().traceId).toBe(traceId);
          }
          expect(sendFirst.kind).toBe(SpanKind.PRODUCER);
          expect(parentOf(sendFirst)).toBe(root.spanContext().spanId);
          expect(envelope.metadata.traceparent).toContain(sendFirst.spanContext().spanId);
          expect(processFirst).toHaveLength(2);
          for (const span of processFirst) {
            expect(span.kind).toBe(SpanKind.CONSUMER);
            expect(parentOf(span)).toBe(sendFirst.spanContext().spanId);
            expect(span.attributes).toMatchObject({
              [SpanAttributes.messagingSystem]: transport.name,
              [SpanAttributes.destinationName]: first,
              [SpanAttributes.messageId]: envelope.id,
              [SpanAttributes.aggregateId]: 'order-1',
            });
            expect(span.attributes[SpanAttributes.consumerGroupName]).toBeTypeOf('string');
          }
          expect(processFirst[0].attributes).toMatchObject({
            [SpanAttributes.attempt]: 1,
            [SpanAttributes.outcome]: 'retried',
          });
          expect(processFirst[0].status.code).toBe(SpanStatusCode.ERROR);
          expect(processFirst[1].attributes).toMatchObject({
            [SpanAttributes.attempt]: 2,
            [SpanAttributes.outcome]: 'handled',
          });
          expect(processFirst[1].status.code).not.toBe(SpanStatusCode.ERROR);
          expect(parentOf(work)).toBe(processFirst[1].spanContext().spanId);
          expect(parentOf(sendSecond)).toBe(work.spanContext().spanId);
          expect(parentOf(processSecond)).toBe(sendSecond.spanContext().spanId);
          if (transport.name === 'kafka') {
            expect(processFirst[0].attributes[SpanAttributes.kafkaMessageKey]).toBe('order-1');
            expect(processFirst[0].attributes[SpanAttributes.partitionId]).toBeTypeOf('string');
            expect(processFirst[0].attributes[SpanAttributes.kafkaOffset]).toBeTypeOf('number');
          }
        } finally {
          await app.close();
        }
      });
    });
  }
});
