import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EndSpan, EventBusTracing, type ProcessSpanInfo } from './event-bus.tracing';

/** Runs `work` as the observer runs handlers: inside the attempt's span when one is started, else as is. */
function inProcessSpan<T>(tracing: EventBusTracing, spanInfo: ProcessSpanInfo, work: (end: EndSpan) => T): T {
  const span = tracing.startProcess(spanInfo, 1);
  return span ? span.run(() => work(span.end)) : work(() => undefined);
}

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function info(headers: Record<string, string> = {}): ProcessSpanInfo {
  return {
    topic: 'orders',
    messageId: 'm-1',
    aggregateId: 'order-1',
    partition: 0,
    sequence: 7,
    key: 'order-1',
    headers,
    header: (name) => headers[name],
  };
}

/** What the handlers would see as their active span context. */
function activeSpanContext(): otel.SpanContext | undefined {
  return otel.trace.getSpanContext(otel.context.active());
}

describe('EventBusTracing.startProcess', () => {
  beforeEach(() => {
    otel.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });

  afterEach(() => {
    otel.trace.disable();
    otel.propagation.disable();
    otel.context.disable();
  });

  it('without an SDK, runs the work in the root context; once an SDK is registered, inside a recorded span', async () => {
    const tracing = new EventBusTracing(otel, 'kafka', 'group');
    expect(
      await inProcessSpan(tracing, info({ traceparent: TRACEPARENT }), async () => activeSpanContext()),
    ).toBe(undefined);
    const exporter = new InMemorySpanExporter();
    otel.trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    const inside = await inProcessSpan(tracing, info(), async (end) => {
      const spanContext = activeSpanContext();
      end('handled');
      return spanContext;
    });
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('process orders');
    expect(inside?.spanId).toBe(span.spanContext().spanId);
  });

  it('without an SDK but with a propagator, runs the work in the producer context of the message', async () => {
    otel.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const tracing = new EventBusTracing(otel, 'nats', 'group');
    const inside = await inProcessSpan(tracing, info({ traceparent: TRACEPARENT }), async () =>
      activeSpanContext(),
    );
    expect(inside?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });
});
