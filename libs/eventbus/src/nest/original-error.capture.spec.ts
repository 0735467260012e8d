import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../transports/transport.port';
import { EventBusContext } from './event-bus.context';
import { forgetCall, noteOriginalErrors, rememberCall } from './original-error.capture';

const context = () =>
  new EventBusContext([
    {} as InboundMessage,
    { attempt: 1, signal: new AbortController().signal },
    'memory',
    'a',
  ]);

const failing = noteOriginalErrors((_payload: unknown) => {
  throw new TypeError('boom');
});

describe('original-error capture', () => {
  it('notes what the method throws on the context found through its payload or inner payload', () => {
    const ctx = context();
    const envelope = { payload: { sku: 'x' } };
    const inner = rememberCall(envelope, ctx);
    expect(() => failing(envelope.payload)).toThrow('boom');
    expect(ctx.takeNotedError()?.error).toBeInstanceOf(TypeError);
    forgetCall(envelope, inner);
  });

  it('forgets the registered inner payload even when the handler reassigned it', () => {
    const ctx = context();
    const original = { sku: 'x' };
    const envelope: { payload: unknown } = { payload: original };
    const inner = rememberCall(envelope, ctx);
    envelope.payload = { sku: 'changed' };
    forgetCall(envelope, inner);
    expect(() => failing(original)).toThrow('boom');
    expect(ctx.takeNotedError()).toBeUndefined();
  });
});
