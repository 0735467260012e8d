/**
 * The transport port: the one interface between the transport-agnostic core (dispatcher, Nest layer)
 * and the broker adapters (memory, Kafka, NATS JetStream). Adapters know nothing about Nest.
 */

/** Which adapter carries the messages. `memory` is the embedded default. */
export type TransportName = 'memory' | 'kafka' | 'nats';

/**
 * How a subscription's messages are delivered and settled:
 * - `domain-event`: at-least-once, strict order per aggregate; a message is acknowledged only once it settled.
 * - `raw`: at-most-once; a failed message is acknowledged and dropped.
 */
export type DeliverySemantics = 'domain-event' | 'raw';

/** One topic (Kafka topic, JetStream subject, memory topic) a server consumes. */
export interface SubscriptionSpec {
  readonly topic: string;
  readonly semantics: DeliverySemantics;
}

/** A message to write. Headers are plain strings; keys are the named constants of `envelope-headers.ts`. */
export interface OutboundMessage {
  /** Ordering key: the aggregate id for domain events (Kafka message key), optional for raw messages. */
  readonly key?: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** De-duplication id (JetStream `Nats-Msg-Id`); the envelope id for domain events. */
  readonly id?: string;
}

/** Why and after how many attempts a message is dead-lettered; adapters write it as DLQ headers. */
export interface DeadLetterInfo {
  readonly reason: string;
  readonly attempts: number;
  /** Class name of the error that decided it (`DeadLetterError`, `EnvelopeDecodeError`, ...), when known. */
  readonly errorClass?: string;
  /** Stack of that error; only with `deadLetter.includeStack: true`. */
  readonly stack?: string;
}

/** What `ack()` returns when it settled at once: one resolved promise, shared (the per-message hot path). */
export const SETTLED: Promise<void> = Promise.resolve();

/**
 * One delivered message as an adapter hands it to the core. The core settles it exactly once with
 * `ack`, `deadLetter` or `release`; the adapter owns what that means on its broker.
 */

export interface InboundMessage {
  readonly topic: string;
  /** Broker-level key: the Kafka message key or the ordering key header; undefined when there is none. */
  readonly key: string | undefined;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** `headers[name]`, without building every header's value where an adapter converts them on first use. */
  header(name: string): string | undefined;
  /**
   * Position in its ordered log (Kafka offset, JetStream stream sequence, memory sequence). Messages of
   * one aggregate are handled in ascending sequence, also when the broker redelivers.
   */
  readonly sequence: number;
  /**
   * 1-based count of broker deliveries of this message (1 where the broker does not tell), for experts.
   * The core does not count it toward `retry.maxAttempts`: attempts start at 1 for every delivery, so
   * releases at shutdown never consume attempts.
   */
  readonly deliveryCount: number;
  /** Kafka partition, when there is one. */
  readonly partition?: number;
  /** When the broker took the message (epoch ms: Kafka record timestamp, JetStream stream time, memory append). */
  readonly publishedAt: number;
  /** The broker's own message object, for experts (kafkajs `KafkaMessage`, nats.js `JsMsg`, memory record). */
  readonly raw: unknown;
  /**
   * True once this consumer lost the message to another one (Kafka: its partition was revoked in a
   * rebalance; the new owner receives it again). The core then drops it unhandled. Absent: never.
   */
  isRevoked?(): boolean;
  /**
   * Handled (or deliberately skipped): the broker may forget it (Kafka: the watermark may pass it). Returns
   * `SETTLED` when that is done at once; the core then moves on without waiting for a promise.
   */
  ack(): Promise<void>;
  /**
   * Writes it to the dead-letter destination `<topic><suffix>`, waits for the broker's confirmation, then
   * acknowledges it (JetStream: `term()`). Rejects when the dead-letter write failed; the message is then
   * still unsettled and may be dead-lettered again or released. Rejects with `MessageRevokedError` when
   * another consumer owns the message now: the core then releases it. With dead-lettering off (no suffix)
   * it logs and acknowledges.
   */
  deadLetter(info: DeadLetterInfo): Promise<void>;
  /** Not handled and not acknowledged: the broker delivers it again later (shutdown, lost ownership). */
  release(): void;
}

/** One consumer-lag reading: messages of a topic (and partition) not yet consumed and settled by this group. */
export interface LagSample {
  readonly topic: string;
  /** Kafka partition number as text; `''` where there are no partitions (JetStream, memory). */
  readonly partition: string;
  readonly lag: number;
}

/** What an adapter knows about its connection, for health checks. */
export interface TransportHealth {
  /** The broker connection is up (false while reconnecting, and after close). */
  readonly connected: boolean;
  /** Consuming is running (false while a crashed consumer waits to be restarted, and after stopConsuming). */
  readonly consuming: boolean;
}

/** Receives every delivered message; must not throw. */
export type DeliverFn = (message: InboundMessage) => void;

/** What the core tells an adapter about its load, read when the adapter sizes its next fetch. */
export interface CoreLoad {
  /**
   * True while at least as many jobs could start as the core runs at once (`maxConcurrency`), but wait for a
   * free slot: what is fetched now only waits longer. Jobs held back behind their own aggregate do not count.
   */
  readonly backlogged: boolean;
}

export interface Transport {
  readonly name: TransportName;
  /** Connects and provisions what the options ask for (topics, streams). */
  connect(): Promise<void>;
  /** Writes one message and resolves once the broker confirmed it (Kafka acks=all, JetStream PubAck). */
  publish(topic: string, message: OutboundMessage): Promise<void>;
  /**
   * Starts consuming the given topics as one consumer group (Kafka group, JetStream durable). Adapters that
   * size each fetch read `load` (JetStream: smaller pull requests while the core is backlogged).
   */
  consume(subscriptions: readonly SubscriptionSpec[], deliver: DeliverFn, load?: CoreLoad): Promise<void>;
  /** Backpressure: the core's buffer is full; stop fetching (Kafka: close the intake gate; JetStream: stop pulling). */
  pause(): void;
  /** The buffer has room again. */
  resume(): void;
  /** Stops intake: no delivery after it resolves. Unsettled messages may still be settled. */
  stopConsuming(): Promise<void>;
  /** Commits what settled, releases what did not, and disconnects. Idempotent. */
  close(): Promise<void>;
  /** Never throws, never waits on the broker. */
  health(): TransportHealth;
  /**
   * Reads the consumer lag of the subscribed topics from the broker (Kafka: log end minus committed offset per
   * partition; JetStream: pending plus ack-pending per consumer; memory: what the group has not settled).
   * Empty before `consume()`.
   */
  lag(): Promise<LagSample[]>;
}
