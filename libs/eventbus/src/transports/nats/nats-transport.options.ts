import { check } from '../../options/option-checks';
import { checkNatsConnection, type NatsConnectionOptions } from './nats-connection.options';

/** Options of the NATS JetStream adapter (`EventBusModule.forRoot({ transport: 'nats', nats: { ... } })`). */
export interface NatsTransportOptions {
  /** nats-server address(es). Default `'nats://localhost:4222'`. */
  servers?: string | string[];
  /** JetStream stream holding the subjects this service publishes and consumes. Default `'EVENTS'`. */
  stream?: string;
  /** Durable consumer name prefix: one durable pull consumer per subscribed subject. Default `'eventbus'`. */
  durable?: string;
  /** Create the stream and consumers, and add missing subjects to the stream. Default `true`. */
  provision?: boolean;
  /** Stream storage when provisioned. Default `'file'`. */
  storage?: 'file' | 'memory';
  /** Stream retention when provisioned. Default `'limits'`. */
  retention?: 'limits' | 'interest' | 'workqueue';
  /** Consumer `ack_wait` (ms): unacked messages are redelivered after it; kept alive with `working()`. Default `30000`. */
  ackWaitMs?: number;
  /** Consumer `max_deliver`: broker deliveries before JetStream gives up (-1 = unlimited). Default `-1`. */
  maxDeliver?: number;
  /**
   * nats.js connection options, merged over the transport's (`name` defaults to `eventbus:<durable>`):
   * credentials (`user` + `pass`, `token`, or an `authenticator` such as `nkeyAuthenticator(seed)` or
   * `credsAuthenticator(creds)`), `tls` (CA, client certificate and key), `timeout` of the first connection
   * (ms, nats.js default 20000) and the like. `servers`, `port`, `reconnect`, `maxReconnectAttempts`,
   * `waitOnFirstConnect` and `debug` are refused: see `NatsConnectionOptions`. Default `{}`.
   */
  connection?: NatsConnectionOptions;
  /**
   * Ordered scale-out: publish each subject's messages to `<subject>.<p>` with `p = fnv1a32(key) % partitions`
   * (round-robin for raw messages without a key) and consume each partition with its own durable consumer, owned
   * by one live instance at a time through leases in a NATS KV bucket (needs `@nats-io/kv`). Cannot change while
   * messages are stored under the old count. Default `0` (off: one subject, one consumer per subscription).
   */
  partitions?: number;
  /** Partition lease lifetime (ms), renewed every third of it; a stopped instance's partitions move after it. Default `10000`. */
  leaseTtlMs?: number;
}

export type ResolvedNatsOptions = Required<NatsTransportOptions> & { servers: string[] };

export function resolveNatsOptions(options: NatsTransportOptions | undefined): ResolvedNatsOptions {
  const o = options ?? {};
  const servers = typeof o.servers === 'string' ? [o.servers] : (o.servers ?? ['nats://localhost:4222']);
  return {
    servers: check.stringList('nats.servers', servers),
    stream: check.nonEmptyString('nats.stream', o.stream ?? 'EVENTS'),
    durable: check.nonEmptyString('nats.durable', o.durable ?? 'eventbus'),
    provision: check.boolean('nats.provision', o.provision ?? true),
    storage: check.oneOf('nats.storage', o.storage ?? 'file', ['file', 'memory']),
    retention: check.oneOf('nats.retention', o.retention ?? 'limits', ['limits', 'interest', 'workqueue']),
    ackWaitMs: check.durationMs('nats.ackWaitMs', o.ackWaitMs ?? 30_000, 1_000),
    maxDeliver: check.integer('nats.maxDeliver', o.maxDeliver ?? -1, -1),
    connection: checkNatsConnection(o.connection),
    partitions: check.integer('nats.partitions', o.partitions ?? 0, 0, 1024),
    leaseTtlMs: check.durationMs('nats.leaseTtlMs', o.leaseTtlMs ?? 10_000, 1_000),
  };
}
