import type { EventBusModuleOptions, TransportName } from 'nest-ordered-eventbus';

const transport = (process.env.EVENTBUS_TRANSPORT ?? 'memory') as TransportName;
/** Broker runs use fresh topics, so that earlier runs' events do not mix in. */
const run = transport === 'memory' ? '' : `-${Date.now().toString(36)}`;

/** What the demo publishes and how its handlers misbehave. Environment variables override the sizes. */
export const demo = {
  transport,
  /** Port of `GET /metrics` and `GET /health` (0: any free port). */
  httpPort: Number(process.env.DEMO_HTTP_PORT ?? 3000),
  ordersTopic: `orders${run}`,
  auditTopic: `audit${run}`,
  aggregates: Number(process.env.DEMO_AGGREGATES ?? 200),
  versions: Number(process.env.DEMO_VERSIONS ?? 10),
  /** Every 20th order fails twice, then succeeds (retried in process while its aggregate waits). */
  flakyEvery: 20,
  /** Every 50th order hangs on its first attempt (cut by handlerTimeoutMs, then retried). */
  hangEvery: 50,
  /** Version 5 of every 40th order is poison: it always fails and is dead-lettered after maxAttempts. */
  poisonEvery: 40,
  poisonVersion: 5,
  /** Every 25th audit record fails: raw messages are dropped (at-most-once). */
  auditFailEvery: 25,
};

export const eventBusOptions: EventBusModuleOptions = {
  transport,
  kafka: {
    brokers: (process.env.EVENTBUS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    clientId: 'orders-service',
    groupId: `orders-service${run}`,
  },
  nats: {
    servers: process.env.EVENTBUS_NATS_SERVERS ?? 'nats://127.0.0.1:4222',
    stream: 'ORDERS_DEMO',
    durable: `orders${run}`,
  },
  dispatcher: { maxConcurrency: 64, handlerTimeoutMs: 500, shutdownTimeoutMs: 5_000 },
  retry: { maxAttempts: 4, initialDelayMs: 50, maxDelayMs: 400, multiplier: 2, jitter: 0.2 },
  deadLetter: { suffix: '.dlq' },
};
