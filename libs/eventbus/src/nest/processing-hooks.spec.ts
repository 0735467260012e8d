import 'reflect-metadata';
import type { MessageHandler } from '@nestjs/microservices';
import { describe, expect, it } from 'vitest';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import type { InboundMessage } from '../transports/transport.port';
import type { Observability } from '../observability/observability';
import type { EventBusConnection } from './event-bus.connection';
import { EventBusContext } from './event-bus.context';
import { EventBusServer } from './event-bus.server';
import { hasProcessingHooks, processingStartHookOf, runWithProcessingHooks } from './processing-hooks';

function context(): EventBusContext {
  const message = { topic: 'orders', key: 'order-1', headers: {}, sequence: 1 } as unknown as InboundMessage;
  return new EventBusContext([
    message,
    { attempt: 1, signal: new AbortController().signal },
    'memory',
    'order-1',
  ]);
}

/** A server whose handler and processing hooks write to `steps`, in the order they run. */
function serverRecording(steps: string[]): EventBusServer {
  const server = new EventBusServer(
    {} as ResolvedEventBusOptions,
    {} as EventBusConnection,
    {} as Observability,
  );
  const handler: MessageHandler = async (data: unknown) => void steps.push(`handler ${String(data)}`);
  server.addHandler('orders', handler, true, {});
  server.setOnProcessingStartHook((_id, _ctx, done) => {
    steps.push('start');
    return done();
  });
  server.setOnProcessingEndHook(() => void steps.push('end'));
  return server;
}

/** What `@nestjs/microservices` 11 looks like: a `Server` without `runWithProcessingHooks`. */
function asNest11(server: EventBusServer): EventBusServer {
  Object.defineProperty(server, 'runWithProcessingHooks', { value: undefined });
  return server;
}

describe('EventBusServer.handleEvent across Nest versions', () => {
  it('runs the handler between the processing hooks and acks (Nest 12)', async () => {
    const steps: string[] = [];
    const decision = await serverRecording(steps).handleEvent(
      'orders',
      { pattern: 'orders', data: 'e1' },
      context(),
    );
    expect(decision.kind).toBe('ack');
    expect(steps).toEqual(['start', 'handler e1', 'end']);
  });

  it('runs the handler between the processing hooks and acks on a server without runWithProcessingHooks (Nest 11)', async () => {
    const steps: string[] = [];
    const server = asNest11(serverRecording(steps));
    const decision = await server.handleEvent('orders', { pattern: 'orders', data: 'e1' }, context());
    expect(decision.kind).toBe('ack');
    expect(steps).toEqual(['start', 'handler e1', 'end']);
  });

  it('still retries a failing handler on a server without runWithProcessingHooks (Nest 11)', async () => {
    const server = asNest11(
      new EventBusServer({} as ResolvedEventBusOptions, {} as EventBusConnection, {} as Observability),
    );
    server.addHandler('orders', async () => Promise.reject(new Error('boom')), true, {});
    const decision = await server.handleEvent('orders', { pattern: 'orders', data: 'e1' }, context());
    expect(decision.kind).toBe('retry');
  });
});

describe('hasProcessingHooks', () => {
  const bareServer = () =>
    new EventBusServer({} as ResolvedEventBusOptions, {} as EventBusConnection, {} as Observability);

  it('is false for a server as constructed, and true once a start or an end hook is set', () => {
    const server = bareServer();
    const initial = processingStartHookOf(server);
    expect(hasProcessingHooks(server, initial)).toBe(false);
    server.setOnProcessingStartHook((_id, _ctx, done) => done());
    expect(hasProcessingHooks(server, initial)).toBe(true);
    const other = bareServer();
    const otherInitial = processingStartHookOf(other);
    other.setOnProcessingEndHook(() => undefined);
    expect(hasProcessingHooks(other, otherInitial)).toBe(true);
  });

  it('a server without hooks runs the handler directly and still decides on its failure', async () => {
    const server = bareServer();
    server.addHandler('orders', async () => Promise.reject(new Error('boom')), true, {});
    const decision = await server.handleEvent('orders', { pattern: 'orders', data: 'e1' }, context());
    expect(decision).toMatchObject({ kind: 'retry', reason: 'Error: boom' });
  });
});

describe('runWithProcessingHooks', () => {
  it('runs the end hook once when the work rejects, and passes the rejection on', async () => {
    const steps: string[] = [];
    const server = asNest11(serverRecording(steps));
    const result = runWithProcessingHooks(server, context(), async (runEndHook) => {
      steps.push('work');
      runEndHook();
      throw new Error('boom');
    });
    await expect(result).rejects.toThrow('boom');
    expect(steps).toEqual(['start', 'work', 'end']);
  });

  it('runs the work directly on a server that has no hooks at all', async () => {
    const steps: string[] = [];
    const bare = { transportId: Symbol('t') } as unknown as EventBusServer;
    await runWithProcessingHooks(bare, context(), async (runEndHook) => {
      steps.push('work');
      runEndHook();
    });
    expect(steps).toEqual(['work']);
  });
});
