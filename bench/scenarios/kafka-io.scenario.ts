import { IO_BOUND_MSGS_PER_SEC, type Scenario } from './scenario';

/**
 * Kafka, I/O-bound: 3 partitions, 1,000 aggregates x 20 versions keyed by aggregate id, a handler that
 * awaits 5 ms. Nest's transport handles one message at a time; the plain client one per partition.
 */
export const kafkaIoScenario: Scenario = {
  id: 'kafka-io',
  title: 'Kafka, I/O-bound handler (5 ms)',
  broker: 'kafka',
  shape: { aggregates: 1_000, versions: 20 },
  quickShape: { aggregates: 100, versions: 5 },
  handlerDelayMs: 5,
  contenders: [
    'eventbus',
    'nest-server-kafka',
    'kafkajs-each-message',
    'kafkajs-each-batch-concurrent',
    'handlers-alone',
  ],
  targets: [
    { kind: 'throughput', contender: 'eventbus', baseline: 'nest-server-kafka', atLeast: 20 },
    { kind: 'bound', contender: 'eventbus', boundMsgsPerSec: IO_BOUND_MSGS_PER_SEC, atLeast: 0.8 },
  ],
};
