import type { Scenario } from './scenario';

/**
 * Kafka, no-op handler, 100,000 events: the library's overhead against the client's own limit and Nest's
 * `ServerKafka`, every contender reading the same messages (the library's envelopes and headers).
 */
export const kafkaNoopScenario: Scenario = {
  id: 'kafka-noop',
  title: 'Kafka, no-op handler',
  broker: 'kafka',
  shape: { aggregates: 1_000, versions: 100 },
  quickShape: { aggregates: 100, versions: 50 },
  handlerDelayMs: 0,
  contenders: ['eventbus', 'eventbus-unobserved', 'kafkajs-each-batch', 'nest-server-kafka'],
  sameMessages: true,
  targets: [
    { kind: 'throughput', contender: 'eventbus', baseline: 'kafkajs-each-batch', atLeast: 0.5 },
    { kind: 'throughput', contender: 'eventbus', baseline: 'nest-server-kafka', atLeast: 1 },
  ],
};
