import {
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IMemberAssignment,
  Kafka,
  logLevel,
  type Message,
  Partitioners,
  type Producer,
} from 'kafkajs';
import type { AdapterContext } from '../adapter-context';
import type {
  DeliverFn,
  LagSample,
  OutboundMessage,
  SubscriptionSpec,
  Transport,
  TransportHealth,
} from '../transport.port';
import { KafkaDeadLetterWriter } from './kafka-dead-letter-writer';
import { KafkaInboundMessage } from './kafka-inbound-message';
import { kafkaLogCreator } from './kafka-log-creator';
import type { ResolvedKafkaOptions } from './kafka-transport.options';
import { brokerConnectionError } from '../../errors/connection-failure';
import { TransportClosedError } from '../../errors/transport-closed.error';
import { IntakeGate } from './intake-gate';
import { OffsetCommitter } from './offset-committer';
import { OwnedPartitions } from './owned-partitions';
import { boundedProducerRetry } from './producer-retry';
import { PublishBatcher } from './publish-batcher';
import { withPublishDeadline } from './publish-deadline';
import { TlsFailureWatch } from './tls-failure-watch';
import { TopicProvisioner } from './topic-provisioner';
import { doublingDelayMs } from '../../policy/retry-schedule';

/** Upper bound of the consumer's fetch wait (kafkajs default); kept below the heartbeat interval too. */
const MAX_FETCH_WAIT_MS = 5_000;
/**
 * Records handed to the core in one go. A fetch holds up to 1 MB per partition, thousands of records: between
 * slices the event loop runs, so handlers' I/O, timers and the rest of the application are not held up while a
 * large fetch is taken in.
 */
const HAND_OVER_SLICE = 128;
/** Delays between attempts to restart a consumer that kafkajs gave up on: doubling, capped. */
const RESTART_DELAY_MS = { initial: 1_000, max: 30_000 };

/**
 * The Kafka adapter (kafkajs).
 *
 * Publishing uses an idempotent producer with `acks: -1` and resolves once all in-sync replicas have the
 * record; concurrent publishes to one topic share produce requests, topics do not wait for each other.
 * Every publish (dead letters included) resolves or rejects within `publishTimeoutMs`, with
 * `PublishTimeoutError` when the broker did not confirm it in time; the producer's own retries are bounded
 * to fit that time too, so no request outlives a dead topic or broker for long.
 *
 * Consuming runs one group member with `autoCommit: false` and `eachBatch`: every record is handed to the
 * core at once and its offset resolved, so kafkajs keeps fetching and heartbeating while handlers run (a
 * slow handler never costs the partition). When the core's buffer is full (`pause()`), the batch being
 * handed over waits, heartbeating, until `resume()`: fetching stops and restarts without delay. What is
 * committed is our own per-partition watermark of settled records, never kafkajs's resolved marker: a
 * commit does not pass an unsettled record. Commits happen every `commitIntervalMs`, when a rebalance
 * starts and on close.
 *
 * Rebalances are followed through the `GROUP_JOIN` assignment: kept partitions continue where they were,
 * revoked ones are dropped (late settlements of their records commit nothing), new ones start from the
 * committed offset. kafkajs restarts a crashed consumer on retriable errors; on other crashes this
 * adapter restarts it after a growing delay. Nothing that happens in a handler reaches kafkajs.
 */
export class KafkaTransport implements Transport {
  readonly name = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly topics: TopicProvisioner;
  private readonly batcher: PublishBatcher;
  private readonly deadLetters: KafkaDeadLetterWriter | undefined;
  private readonly owned = new OwnedPartitions();
  private readonly tlsFailures = new TlsFailureWatch();
  private readonly committer: OffsetCommitter;
  private consumer: Consumer | undefined;
  private deliver: DeliverFn | undefined;
  private subscribedTopics: string[] = [];
  private memberId: string | undefined;
  private readonly gate = new IntakeGate();
  private stopped = false;
  private connecting: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** close() ended: what kafkajs still logs comes from retries of an abandoned connect (see kafkaLogCreator). */
  private closed = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  private restartAttempts = 0;
  /** The consumer is a member of its group (from a group join until it crashes or stops). */
  private joined = false;
  /** The broker answered last time we heard: connected, or a group join; false after a consumer crash. */
  private reachable = false;

  constructor(
    private readonly options: ResolvedKafkaOptions,
    private readonly context: AdapterContext,
  ) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(context.logger, () => this.closed),
      ...options.client,
      socketFactory: this.tlsFailures.wrap(options.client?.socketFactory),
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: boundedProducerRetry(context.publishTimeoutMs, options.client?.retry),
    });
    this.admin = this.kafka.admin();
    this.batcher = new PublishBatcher(async (topic, messages) => {
      await this.producer.sendBatch({
        topicMessages: [{ topic, messages }],
        acks: -1,
        timeout: context.publishTimeoutMs,
      });
    });
    this.topics = new TopicProvisioner(this.admin, options.numPartitions, options.replicationFactor);
    this.deadLetters =
      context.deadLetterSuffix === undefined
        ? undefined
        : new KafkaDeadLetterWriter(context.deadLetterSuffix, options.groupId, (topic, message) =>
            this.send(topic, message),
          );
    this.committer = new OffsetCommitter(
      this.owned,
      async (offsets) => this.consumer!.commitOffsets(offsets),
      context.logger,
    );
  }

  /**
   * Connects the producer and the admin client; consuming connects its own consumer. A failure rejects with
   * `BrokerConnectionError`, which names the brokers and the cause without secrets: at once for a refused
   * authentication or a failed TLS handshake, after kafkajs's connection retries (`kafka.client.retry`,
   * about 10 s with its defaults) when the broker cannot be reached.
   */
  connect(): Promise<void> {
    if (this.closing) return Promise.reject(new TransportClosedError('kafka', 'connect'));
    this.connecting ??= Promise.race([
      Promise.all([this.producer.connect(), this.admin.connect()]),
      this.tlsFailures.attempt(),
    ]).then(
      () => {
        this.tlsFailures.disarm();
        this.reachable = true;
      },
      (error: unknown) => {
        this.connecting = undefined;
        throw brokerConnectionError('kafka', this.options.brokers.join(', '), error, this.options.client);
      },
    );
    return this.connecting;
  }

  publish(topic: string, message: OutboundMessage): Promise<void> {
    return this.send(topic, {
      key: message.key ?? null,
      value: message.value,
      headers: { ...message.headers },
    });
  }

  consume(subscriptions: readonly SubscriptionSpec[], deliver: DeliverFn): Promise<void> {
    if (this.closing) return Promise.reject(new TransportClosedError('kafka', 'consume'));
    const topics = [...new Set(subscriptions.map((s) => s.topic))];
    if (topics.length === 0) return Promise.resolve();
    this.starting = this.startConsumer(topics, deliver);
    return this.starting;
  }

  pause(): void {
    this.gate.close();
  }

  resume(): void {
    this.gate.open();
  }

  /** Pauses every partition for good and delivers nothing more; the group membership stays until close. */
  async stopConsuming(): Promise<void> {
    this.stopped = true;
    this.gate.wake();
    this.pauseAllWhenStopped();
  }

  health(): TransportHealth {
    return {
      connected: this.closing === undefined && this.reachable,
      consuming: !this.stopped && (this.subscribedTopics.length === 0 || this.joined),
    };
  }

  /**
   * Log end offset minus the group's committed offset (the partition's start when none), per partition. A
   * failed reading marks the broker unreachable for `health()` until it answers again.
   */
  async lag(): Promise<LagSample[]> {
    if (this.subscribedTopics.length === 0 || this.closing) return [];
    try {
      const committed = await this.admin.fetchOffsets({
        groupId: this.options.groupId,
        topics: this.subscribedTopics,
      });
      const samples: LagSample[] = [];
      for (const { topic, partitions } of committed) {
        const ends = new Map((await this.admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p]));
        for (const { partition, offset } of partitions) {
          const end = ends.get(partition);
          if (!end) continue;
          const from = Number(offset) >= 0 ? Number(offset) : Number(end.low);
          samples.push({ topic, partition: String(partition), lag: Math.max(0, Number(end.high) - from) });
        }
      }
      this.reachable = true;
      return samples;
    } catch (error) {
      this.reachable = false;
      throw error;
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Writes one record within `publishTimeoutMs`; rejects at once, opening nothing, once closing began. */
  private send(topic: string, message: Message): Promise<void> {
    if (this.closing) return Promise.reject(new TransportClosedError('kafka', 'publish'));
    return withPublishDeadline(topic, this.context.publishTimeoutMs, async (deadline) => {
      await this.connect();
      if (this.options.createTopics) await this.topics.ensure([topic]);
      if (this.closing) throw new TransportClosedError('kafka', 'publish');
      await this.batcher.send(topic, message, deadline);
    });
  }

  private async startConsumer(topics: string[], deliver: DeliverFn): Promise<void> {
    await this.connect();
    if (this.options.createTopics) {
      const deadLetters = this.deadLetters;
      await this.topics.ensure(
        deadLetters ? [...topics, ...topics.map((t) => deadLetters.topicOf(t))] : topics,
      );
    }
    if (this.closing) throw new TransportClosedError('kafka', 'consume');
    this.deliver = deliver;
    this.subscribedTopics = topics;
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeout,
      heartbeatInterval: this.options.heartbeatInterval,
      maxWaitTimeInMs: Math.min(MAX_FETCH_WAIT_MS, this.options.heartbeatInterval),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
      this.onGroupJoin(payload.memberId, payload.memberAssignment),
    );
    consumer.on(consumer.events.REBALANCING, () => void this.committer.commit());
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(payload.error, payload.restart));
    consumer.on(consumer.events.STOP, () => (this.joined = false));
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning });
    // close() waits for this start, then disconnects the consumer: it must not be run any more.
    if (this.closing) throw new TransportClosedError('kafka', 'consume');
    await this.runConsumer();
    this.committer.start(this.options.commitIntervalMs);
  }

  private runConsumer(): Promise<void> {
    return this.consumer!.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /**
   * Hands every record of the batch to the core and resolves its offset so fetching moves on, in slices of
   * `HAND_OVER_SLICE` records with a turn of the event loop between them. Waits while the core's buffer is
   * full. Stops early, leaving the rest unresolved (fetched again later), when intake
   * stopped, the consumer stops or the partition was revoked. Never throws.
   */
  private async onBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const watermark = this.owned.get(topic, partition);
    const current = () => !this.stopped && isRunning() && !isStale() && !watermark.revoked;
    if (!current()) return;
    // Ownership can only change across an await, so it is checked there, not per record; the offset is
    // resolved once for the records handed over so far (per-record resolving parses an offset each time).
    let handedOver: string | undefined;
    let sinceYield = 0;
    for (const record of batch.messages) {
      if (!this.gate.isOpen) {
        if (handedOver !== undefined) resolveOffset(handedOver);
        if (!(await this.awaitIntake(heartbeat, current))) return;
        sinceYield = 0;
      } else if (++sinceYield > HAND_OVER_SLICE) {
        if (handedOver !== undefined) resolveOffset(handedOver);
        await new Promise<void>((resolve) => setImmediate(resolve)); // one turn of the event loop
        if (!current()) return;
        sinceYield = 0;
      }
      if (watermark.track(Number(record.offset))) {
        this.handOver(
          new KafkaInboundMessage(topic, partition, record, watermark, this.deadLetters, this.context.logger),
        );
      }
      handedOver = record.offset;
    }
    if (handedOver !== undefined) resolveOffset(handedOver);
    watermark.skipTo(Number(batch.lastOffset()) + 1);
  }

  /**
   * Waits until the core accepts messages again, heartbeating every `heartbeatInterval` so the group keeps
   * this member. False when the batch must be abandoned instead: intake stopped, the partition is gone, or
   * a heartbeat failed (a rebalance: kafkajs rejoins once the batch returns).
   */
  private async awaitIntake(heartbeat: () => Promise<void>, current: () => boolean): Promise<boolean> {
    while (!this.gate.isOpen) {
      if (!current()) return false;
      await this.gate.wait(this.options.heartbeatInterval);
      try {
        await heartbeat();
      } catch {
        return false;
      }
    }
    return current();
  }

  private handOver(message: KafkaInboundMessage): void {
    try {
      this.deliver!(message);
    } catch (error) {
      this.context.logger.error(
        `Delivering ${message.topic}[${message.partition}]@${message.raw.offset} threw; it stays unsettled: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }

  /**
   * A group generation started: a new member id means the membership was lost in between, so nothing is
   * kept. Kept partitions continue after their last delivered record instead of the committed offset, so
   * records still in flight are not delivered twice.
   */
  private onGroupJoin(memberId: string, assignment: IMemberAssignment): void {
    if (memberId !== this.memberId) {
      this.owned.revokeAll();
      this.memberId = memberId;
    }
    for (const watermark of this.owned.assign(assignment)) {
      const next = watermark.nextOffset;
      if (next !== undefined) {
        this.consumer!.seek({ topic: watermark.topic, partition: watermark.partition, offset: String(next) });
      }
    }
    this.restartAttempts = 0;
    this.joined = true;
    this.reachable = true;
    this.pauseAllWhenStopped();
  }

  /** The consumer left the group. kafkajs restarts it on retriable errors; otherwise we do, after a delay. */
  private onCrash(error: Error, restartedByClient: boolean): void {
    this.owned.revokeAll();
    this.memberId = undefined;
    this.joined = false;
    this.reachable = false;
    if (this.closing || restartedByClient) return;
    const delay = doublingDelayMs(this.restartAttempts++, RESTART_DELAY_MS.initial, RESTART_DELAY_MS.max);
    this.context.logger.error(`Kafka consumer stopped (${error.message}); restarting it in ${delay} ms`);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restarting = this.restartConsumer().finally(() => (this.restarting = undefined));
    }, delay);
  }

  /**
   * Connects and runs the consumer again. Closing may begin at any await: it is checked after each, so a
   * consumer is never run again once `close()` was called (which waits for this before disconnecting).
   * Never rejects.
   */
  private async restartConsumer(): Promise<void> {
    if (this.closing) return;
    try {
      await this.consumer!.connect();
      if (this.closing) return;
      await this.runConsumer();
    } catch (error) {
      this.onCrash(error instanceof Error ? error : new Error(String(error)), false);
    }
  }

  /** Once intake stopped, no partition of the subscribed topics is fetched any more. */
  private pauseAllWhenStopped(): void {
    if (!this.stopped || !this.consumer) return;
    try {
      this.consumer.pause(this.subscribedTopics.map((topic) => ({ topic })));
    } catch {
      // The consumer is between runs (starting or restarting); the next group join pauses it.
    }
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.stopConsuming();
    await this.starting?.catch(() => undefined);
    await this.restarting;
    this.committer.stop();
    await this.committer.commit();
    this.owned.revokeAll();
    await this.connecting?.catch(() => undefined);
    const clients = [this.consumer, this.producer, this.admin].filter((c) => c !== undefined);
    for (const client of clients) {
      try {
        await client.disconnect();
      } catch (error) {
        this.context.logger.warn(
          `Disconnecting from Kafka failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    this.closed = true;
  }
}
