import type { Scenario } from './scenario';

/**
 * JetStream, no-op handler, 100,000 events: the library's overhead against a plain `consume()` loop with ack,
 * both reading the same messages (the library's envelopes and headers).
 */
export const jetstreamNoopScenario: Scenario = {
  id: 'jetstream-noop',
  title: 'JetStream, no-op handler',
  broker: 'nats',
  shape: { aggregates: 1_000, versions: 100 },
  quickShape: { aggregates: 100, versions: 50 },
  handlerDelayMs: 0,
  contenders: ['eventbus', 'eventbus-unobserved', 'jetstream-consume'],
  sameMessages: true,
  targets: [{ kind: 'throughput', contender: 'eventbus', baseline: 'jetstream-consume', atLeast: 0.9 }],
};
