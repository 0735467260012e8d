import { describe, expect, it } from 'vitest';
import { natsConnectOptions } from './nats-connect';
import { resolveNatsOptions } from './nats-transport.options';

describe('natsConnectOptions', () => {
  it('passes nats.connection through, names the connection after the durable and turns async traces off unless told otherwise', () => {
    const tls = { caFile: '/ca.pem' };
    expect(
      natsConnectOptions(
        resolveNatsOptions({ servers: 'nats://a:4222', durable: 'svc', connection: { token: 't0ken', tls } }),
      ),
    ).toEqual({
      name: 'eventbus:svc',
      noAsyncTraces: true,
      token: 't0ken',
      tls,
      servers: ['nats://a:4222'],
      maxReconnectAttempts: -1,
      waitOnFirstConnect: false,
    });
    expect(natsConnectOptions(resolveNatsOptions({ connection: { name: 'orders' } })).name).toBe('orders');
    expect(
      natsConnectOptions(resolveNatsOptions({ connection: { noAsyncTraces: false } })).noAsyncTraces,
    ).toBe(false);
  });
});
