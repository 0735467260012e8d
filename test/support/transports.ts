import type { EventBusModuleOptions, TransportName } from '@app/eventbus';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { KAFKA_BROKERS, NATS_SERVERS } from './brokers';

/** A transport the conformance suite and the seed scenarios run against. */
export interface TransportUnderTest {
  readonly name: TransportName;
  /** Options for one test; `scope` is unique per test, `group` names the consumer group / durable. */
  options(scope: string, group?: string): EventBusModuleOptions;
  /** Removes what the tests left on the broker where it would pile up across runs (JetStream streams). */
  cleanup?(): Promise<void>;
}

const memory: TransportUnderTest = {
  name: 'memory',
  options: (scope, group = 'g') => ({ transport: 'memory', memory: { broker: scope, group } }),
};

const kafka: TransportUnderTest = {
  name: 'kafka',
  options: (scope, group = 'g') => ({
    transport: 'kafka',
    kafka: {
      brokers: KAFKA_BROKERS,
      clientId: scope,
      groupId: `${scope}-${group}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      commitIntervalMs: 100,
    },
  }),
};

const streamOf = (scope: string) => scope.replace(/[^A-Za-z0-9_-]/g, '_');
const natsStreamsUsed = new Set<string>();

const nats: TransportUnderTest = {
  name: 'nats',
  options: (scope, group = 'g') => {
    natsStreamsUsed.add(streamOf(scope));
    return { transport: 'nats', nats: { servers: NATS_SERVERS, stream: streamOf(scope), durable: group } };
  },
  // Streams live in the shared server's store; Kafka's test broker starts from a fresh data directory.
  cleanup: async () => {
    const nc = await connect({ servers: NATS_SERVERS });
    try {
      const jsm = await jetstreamManager(nc);
      for (const stream of natsStreamsUsed) await jsm.streams.delete(stream).catch(() => undefined);
      natsStreamsUsed.clear();
    } finally {
      await nc.close();
    }
  },
};

/**
 * Every transport, or the ones listed in EVENTBUS_TRANSPORTS (comma-separated), e.g. `memory` to iterate
 * quickly. Never narrowed under CI=true.
 */
export const TRANSPORTS: TransportUnderTest[] = [memory, kafka, nats].filter(
  (t) =>
    process.env.CI === 'true' ||
    !process.env.EVENTBUS_TRANSPORTS ||
    process.env.EVENTBUS_TRANSPORTS.split(',').includes(t.name),
);
