import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { brokerConnectionError } from '../../errors/connection-failure';
import type { ResolvedNatsOptions } from './nats-transport.options';

/**
 * What the transport passes to nats.js: `nats.connection` merged over `name: eventbus:<durable>` and
 * `noAsyncTraces: true`, then the settings the transport owns: `servers`, reconnecting forever once connected,
 * and a first connection tried once per server (nats.js does not retry it), so a start fails within
 * `nats.connection.timeout`. Async traces would build two `Error`s with stacks for every publish (about a third
 * of a JetStream publish's CPU), only to point a timeout at the transport's own call site.
 */
export function natsConnectOptions(options: ResolvedNatsOptions): NodeConnectionOptions {
  return {
    name: `eventbus:${options.durable}`,
    noAsyncTraces: true,
    ...options.connection,
    servers: options.servers,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: false,
  };
}

/**
 * Opens the transport's connection (`natsConnectOptions`). A failure rejects with `BrokerConnectionError`
 * naming the servers and the cause, secrets removed.
 */
export async function connectNats(options: ResolvedNatsOptions): Promise<NatsConnection> {
  try {
    return await connect(natsConnectOptions(options));
  } catch (error) {
    throw brokerConnectionError('nats', options.servers.join(', '), error, options.connection);
  }
}
