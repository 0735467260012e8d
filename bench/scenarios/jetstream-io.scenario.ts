import { IO_BOUND_MSGS_PER_SEC, type Scenario } from './scenario';

/**
 * JetStream, I/O-bound: the shape of the Kafka I/O scenario on one subject. The plain loop keeps
 * per-aggregate order the only way a single consumer can: one message at a time, acked after its handler.
 */
export const jetstreamIoScenario: Scenario = {
  id: 'jetstream-io',
  title: 'JetStream, I/O-bound handler (5 ms)',
  broker: 'nats',
  shape: { aggregates: 1_000, versions: 20 },
  quickShape: { aggregates: 100, versions: 5 },
  handlerDelayMs: 5,
  contenders: ['eventbus', 'jetstream-consume', 'handlers-alone'],
  targets: [{ kind: 'bound', contender: 'eventbus', boundMsgsPerSec: IO_BOUND_MSGS_PER_SEC, atLeast: 0.5 }],
};
