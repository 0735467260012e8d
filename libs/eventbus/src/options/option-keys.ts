import type { MetricsOptions, ObservabilityOptions } from '../observability/observability.options';
import type { OutboxOptions, OutboxRelayOptions } from '../outbox/outbox.options';
import type { KafkaTransportOptions } from '../transports/kafka/kafka-transport.options';
import type { NatsTransportOptions } from '../transports/nats/nats-transport.options';
import type {
  DeadLetterOptions,
  DispatcherOptions,
  EventBusModuleOptions,
  MemoryTransportOptions,
  RetryOptions,
} from './event-bus.options';

/** Every key of `T`, checked by the compiler: a key added to or removed from `T` must be listed here. */
function keysOf<T>(keys: Record<keyof T, true>): readonly string[] {
  return Object.keys(keys);
}

/** The valid keys of each level of `EventBusModuleOptions`, for rejecting typos. */
export const OPTION_KEYS = {
  top: keysOf<EventBusModuleOptions>({
    transport: true,
    kafka: true,
    nats: true,
    memory: true,
    dispatcher: true,
    retry: true,
    deadLetter: true,
    publishTimeoutMs: true,
    observability: true,
    outbox: true,
  }),
  outbox: keysOf<OutboxOptions>({
    pool: true,
    connectionString: true,
    table: true,
    createSchema: true,
    relay: true,
  }),
  outboxRelay: keysOf<OutboxRelayOptions>({
    enabled: true,
    partitions: true,
    batchSize: true,
    pollIntervalMs: true,
    notify: true,
    initialRetryDelayMs: true,
    maxRetryDelayMs: true,
  }),
  observability: keysOf<ObservabilityOptions>({
    metrics: true,
    tracing: true,
    stallThresholdMs: true,
    lagIntervalMs: true,
  }),
  metrics: keysOf<MetricsOptions>({ registry: true, prefix: true }),
  dispatcher: keysOf<DispatcherOptions>({
    maxConcurrency: true,
    maxBuffered: true,
    handlerTimeoutMs: true,
    timeoutGraceMs: true,
    shutdownTimeoutMs: true,
  }),
  retry: keysOf<RetryOptions>({
    maxAttempts: true,
    initialDelayMs: true,
    maxDelayMs: true,
    multiplier: true,
    jitter: true,
  }),
  deadLetter: keysOf<DeadLetterOptions>({ suffix: true, includeStack: true }),
  memory: keysOf<MemoryTransportOptions>({ broker: true, group: true }),
  /** `kafka.client` is passed to kafkajs as is: its keys are not checked (`nats.connection` is checked apart). */
  kafka: keysOf<KafkaTransportOptions>({
    brokers: true,
    clientId: true,
    groupId: true,
    createTopics: true,
    numPartitions: true,
    replicationFactor: true,
    fromBeginning: true,
    sessionTimeout: true,
    heartbeatInterval: true,
    commitIntervalMs: true,
    client: true,
  }),
  nats: keysOf<NatsTransportOptions>({
    servers: true,
    stream: true,
    durable: true,
    provision: true,
    storage: true,
    retention: true,
    ackWaitMs: true,
    maxDeliver: true,
    connection: true,
    partitions: true,
    leaseTtlMs: true,
  }),
};
