import type { KafkaConfig } from 'kafkajs';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { check } from '../../options/option-checks';

/** The SASL mechanisms kafkajs knows. */
const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'aws', 'oauthbearer'];

/** Options of the Kafka adapter (`EventBusModule.forRoot({ transport: 'kafka', kafka: { ... } })`). */
export interface KafkaTransportOptions {
  /** Bootstrap brokers. Required. Example: `['localhost:9092']`. */
  brokers: string[];
  /** Client id sent to the broker. Default `'eventbus'`. */
  clientId?: string;
  /** Consumer group id: instances with the same group share the partitions. Default: `clientId`. */
  groupId?: string;
  /**
   * Create missing topics and their dead-letter topics when the server starts consuming, and a topic before its
   * first publish. Default `true`.
   */
  createTopics?: boolean;
  /** Partitions of topics this library creates. Default `3`. */
  numPartitions?: number;
  /** Replication factor of topics this library creates. Default `1`. */
  replicationFactor?: number;
  /** Where a new group starts: `true` reads topics from the beginning. Default `true`. */
  fromBeginning?: boolean;
  /** Consumer session timeout (ms). Default `30000`. */
  sessionTimeout?: number;
  /** Consumer heartbeat interval (ms); heartbeats are also sent while handlers run. Default `3000`. */
  heartbeatInterval?: number;
  /** How often settled offsets are committed (ms); also committed on rebalance and close. Default `1000`. */
  commitIntervalMs?: number;
  /**
   * Extra kafkajs client settings (ssl, sasl, retry, ...), merged over the above; `sasl.mechanism` is
   * checked at start, and a `socketFactory` is used but wrapped (to fail the first connection at once on a TLS
   * failure). The producer retries at most `retry.retries` times and only as often as the backoff delays fit
   * into `publishTimeoutMs`.
   */
  client?: Partial<KafkaConfig>;
}

export type ResolvedKafkaOptions = Required<Omit<KafkaTransportOptions, 'client'>> &
  Pick<KafkaTransportOptions, 'client'>;

export function resolveKafkaOptions(options: KafkaTransportOptions | undefined): ResolvedKafkaOptions {
  const o = options ?? ({} as KafkaTransportOptions);
  const clientId = check.nonEmptyString('kafka.clientId', o.clientId ?? 'eventbus');
  return {
    brokers: check.stringList('kafka.brokers', o.brokers),
    clientId,
    groupId: check.nonEmptyString('kafka.groupId', o.groupId ?? clientId),
    createTopics: check.boolean('kafka.createTopics', o.createTopics ?? true),
    numPartitions: check.integer('kafka.numPartitions', o.numPartitions ?? 3, 1, 10_000),
    replicationFactor: check.integer('kafka.replicationFactor', o.replicationFactor ?? 1, 1, 100),
    fromBeginning: check.boolean('kafka.fromBeginning', o.fromBeginning ?? true),
    sessionTimeout: check.durationMs('kafka.sessionTimeout', o.sessionTimeout ?? 30_000, 1_000),
    heartbeatInterval: check.durationMs('kafka.heartbeatInterval', o.heartbeatInterval ?? 3_000, 100),
    commitIntervalMs: check.durationMs('kafka.commitIntervalMs', o.commitIntervalMs ?? 1_000, 10),
    client: checkKafkaClient(o.client),
  };
}

/**
 * `kafka.client` is passed to kafkajs as is; only its shape and `sasl.mechanism` are checked here, so that a
 * typo fails the start with a clear message. Secrets never appear in the message (see `InvalidOptionsError`).
 */
function checkKafkaClient(client: Partial<KafkaConfig> | undefined): Partial<KafkaConfig> | undefined {
  if (client === undefined) return undefined;
  if (client === null || typeof client !== 'object' || Array.isArray(client)) {
    throw new InvalidOptionsError('kafka.client', 'an object of kafkajs client settings', client);
  }
  const { sasl } = client;
  if (sasl === undefined) return client;
  if (sasl === null || typeof sasl !== 'object' || Array.isArray(sasl)) {
    throw new InvalidOptionsError(
      'kafka.client.sasl',
      'an object such as { mechanism, username, password }',
      sasl,
    );
  }
  check.oneOf('kafka.client.sasl.mechanism', sasl.mechanism, SASL_MECHANISMS as (typeof sasl.mechanism)[]);
  return client;
}
