import { jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AdapterContext } from '../adapter-context';
import type {
  CoreLoad,
  DeliverFn,
  LagSample,
  OutboundMessage,
  SubscriptionSpec,
  Transport,
  TransportHealth,
} from '../transport.port';
import { connectNats } from './nats-connect';
import { natsConsumerName } from './nats-consumer-name';
import { NatsConsumerLoop } from './nats-consumer.loop';
import { NatsConsumerProvisioner } from './nats-consumer.provisioner';
import { NatsDeadLetterPublisher } from './nats-dead-letter.publisher';
import { toNatsHeaders } from './nats-headers';
import { NatsKeepAlive } from './nats-keep-alive';
import { NatsPublisher } from './nats-publisher';
import { PublishDeadline } from './nats-publish-deadline';
import { NatsStreamProvisioner } from './nats-stream.provisioner';
import type { ResolvedNatsOptions } from './nats-transport.options';
import { TransportClosedError } from '../../errors/transport-closed.error';
import { settleWithin } from './settle-within';
import { pullBatch } from './nats-pull-budget';
import { NatsPartitionedTopic } from './partitions/nats-partitioned.topic';
import { partitionOf } from './partitions/fnv1a32';

/** How long `close()` lets the connection drain (flush acks and naks) before closing it. */
const CLOSE_DRAIN_TIMEOUT_MS = 10_000;

/**
 * NATS JetStream adapter. A topic is a subject of the stream `stream`.
 *
 * - The stream captures every subject published or consumed here and its dead-letter subject
 *   (`NatsStreamProvisioner`).
 * - `publish` waits for the PubAck; `msgID` = the message id (server-side de-duplication within the stream's
 *   duplicate window); the ordering key travels in the `x-eventbus-key` header (`NatsHeaders`). It takes at most
 *   `publishTimeoutMs` in all (connecting and provisioning included), then rejects with `PublishTimeoutError`.
 *   After `close()` it rejects at once with `TransportClosedError` and never reconnects.
 * - `consume` runs one durable pull consumer per subscribed subject (`natsConsumerName(durable, subject)`),
 *   with `max_ack_pending` = the core's `maxBuffered`; see `NatsConsumerLoop` for pause, redelivery, crash
 *   recovery and reconnects, and `NatsInboundMessage` for settlement.
 * - With `partitions: N` (`NatsPartitionedTopic`): messages of a topic are published to `<topic>.<p>`,
 *   `p = fnv1a32(key) % N` (round-robin without a key), the stream captures `<topic>.*`, dead letters go to
 *   `<topic><suffix>`, and each partition has its own durable consumer `natsConsumerName(durable, '<topic>.<p>')`,
 *   pulled only while this instance holds the partition's lease.
 * - Unsettled messages are kept alive with `working()` every `ackWaitMs / 3` (`NatsKeepAlive`).
 * - nats.js reconnects forever; pull loops are reopened after a reconnect, and what arrives from the drop on
 *   waits behind the recovery barrier so per-aggregate order holds (`NatsRecoveryBarrier`).
 * - `stopConsuming()` ends intake at once (no delivery after it resolves; what still arrives for the last pull
 *   requests is released); settlements still go out.
 * - `close()` stops intake, releases every unsettled message (sent in sequence order once the last pull
 *   requests ended and the server forgot them, at most about 3 s later), then drains and closes the
 *   connection. Idempotent.
 */
export class NatsTransport implements Transport {
  readonly name = 'nats' as const;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient;
  private publisher: NatsPublisher;
  private streams: NatsStreamProvisioner;
  private consumers: NatsConsumerProvisioner;
  private connecting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private paused = false;
  /** The core's load, as handed to `consume()`; sizes each pull request (see `pullBatch`). */
  private load: CoreLoad | undefined;
  /** The connection dropped and nats.js is reconnecting. */
  private disconnected = false;
  private readonly loops = new Map<string, NatsConsumerLoop>();
  /** With `partitions` on: the subscribed subjects whose partitions this instance competes for. */
  private readonly partitioned = new Map<string, NatsPartitionedTopic>();
  private nextPartition = 0;
  private readonly keepAlive: NatsKeepAlive;

  constructor(
    private readonly options: ResolvedNatsOptions,
    private readonly context: AdapterContext,
  ) {
    this.keepAlive = new NatsKeepAlive(options.ackWaitMs, () => {
      for (const loop of this.loops.values()) loop.keepAlive();
    });
  }

  connect(): Promise<void> {
    if (this.closing) return Promise.reject(new TransportClosedError('nats', 'connect'));
    this.connecting ??= this.open().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  async publish(topic: string, message: OutboundMessage): Promise<void> {
    if (this.closing) throw new TransportClosedError('nats', 'publish');
    const deadline = new PublishDeadline(topic, this.context.publishTimeoutMs);
    await deadline.bound(this.connect());
    const options = {
      headers: toNatsHeaders(message.headers, message.key),
      ...(message.id === undefined ? {} : { msgID: message.id }),
    };
    const subject = this.publishSubject(topic, message.key);
    await this.publisher.publish(subject, message.value, options, this.subjectsOf(topic), deadline);
  }

  /**
   * Starts one pull loop per subscription not consumed yet. Every consumer is checked (created when allowed)
   * before any loop pulls: when one cannot be, the call rejects with that error and nothing pulls.
   */
  async consume(
    subscriptions: readonly SubscriptionSpec[],
    deliver: DeliverFn,
    load?: CoreLoad,
  ): Promise<void> {
    this.load = load;
    await this.connect();
    if (this.stopping) throw new TransportClosedError('nats', 'consume after stopConsuming()');
    if (this.options.partitions > 0) return this.consumePartitioned(subscriptions, deliver);
    const added: NatsConsumerLoop[] = [];
    try {
      for (const { topic } of subscriptions) {
        if (this.loops.has(topic) || added.some((loop) => loop.topic === topic)) continue;
        await this.streams.ensureSubjects(this.subjectsOf(topic));
        const loop = this.newLoop(topic, deliver);
        added.push(loop);
        await loop.provision();
      }
    } catch (err) {
      await Promise.all(added.map((loop) => loop.stop()));
      throw err;
    }
    if (this.stopping) {
      await Promise.all(added.map((loop) => loop.stop()));
      throw new TransportClosedError('nats', 'consume after stopConsuming()');
    }
    for (const loop of added) {
      this.loops.set(loop.topic, loop);
      if (this.paused) loop.pause();
      else loop.resume();
    }
    await Promise.all(added.map((loop) => loop.start()));
    this.keepAlive.start();
  }

  pause(): void {
    this.paused = true;
    for (const loop of this.loops.values()) loop.pause();
  }

  resume(): void {
    this.paused = false;
    for (const loop of this.loops.values()) loop.resume();
  }

  stopConsuming(): Promise<void> {
    this.stopping ??= Promise.all([...this.partitioned.values()].map((topic) => topic.stopIntake()))
      .then(() => Promise.all([...this.loops.values()].map((loop) => loop.stop())))
      .then(() => undefined);
    return this.stopping;
  }

  health(): TransportHealth {
    const nc = this.nc;
    return {
      connected: !this.closing && nc !== undefined && !nc.isClosed() && !this.disconnected,
      consuming: !this.stopping && [...this.loops.values()].every((loop) => loop.healthy),
    };
  }

  /**
   * `num_pending + num_ack_pending` of each subscribed subject's durable consumer (partition `''`); with
   * `partitions` on, of each partition consumed here (partition = its number).
   */
  async lag(): Promise<LagSample[]> {
    if (this.closing || this.disconnected) return [];
    return Promise.all(
      [...this.loops.values()].map(async (loop) => ({
        topic: loop.topic,
        partition: loop.subject === loop.topic ? '' : loop.subject.slice(loop.topic.length + 1),
        lag: await this.consumers.unacknowledged(loop.consumerName),
      })),
    );
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Starts competing for the partitions of each subscribed subject not consumed yet. */
  private async consumePartitioned(
    subscriptions: readonly SubscriptionSpec[],
    deliver: DeliverFn,
  ): Promise<void> {
    for (const { topic } of subscriptions) {
      if (this.partitioned.has(topic)) continue;
      await this.streams.ensureSubjects(this.subjectsOf(topic));
      const partitioned = await NatsPartitionedTopic.open({
        nc: this.nc!,
        topic,
        durable: this.options.durable,
        partitions: this.options.partitions,
        leaseTtlMs: this.options.leaseTtlMs,
        ackWaitMs: this.options.ackWaitMs,
        consumers: this.consumers,
        logger: this.context.logger,
        loops: {
          create: (subject, revoked) => this.newLoop(topic, deliver, subject, revoked),
          add: (loop) => {
            this.loops.set(loop.consumerName, loop);
            // A partition that finished starting after stopConsuming() began pulls nothing.
            if (this.stopping) void loop.stop();
            else if (this.paused) loop.pause();
            else loop.resume();
            this.keepAlive.start();
          },
          remove: (loop) => this.loops.delete(loop.consumerName),
        },
      });
      if (this.stopping) {
        await partitioned.close();
        throw new TransportClosedError('nats', 'consume after stopConsuming()');
      }
      this.partitioned.set(topic, partitioned);
    }
  }

  /** The subject a message of `topic` is written to: `<topic>.<partition>` with `partitions` on. */
  private publishSubject(topic: string, key: string | undefined): string {
    const { partitions } = this.options;
    if (partitions === 0) return topic;
    const partition = key === undefined ? this.nextPartition++ % partitions : partitionOf(key, partitions);
    return `${topic}.${partition}`;
  }

  private newLoop(
    topic: string,
    deliver: DeliverFn,
    subject = topic,
    revoked?: () => boolean,
  ): NatsConsumerLoop {
    const name = natsConsumerName(this.options.durable, subject);
    const suffix = this.context.deadLetterSuffix;
    return new NatsConsumerLoop({
      js: this.js,
      consumers: this.consumers,
      spec: { name, subject, maxAckPending: this.context.maxBuffered },
      topic,
      deliver,
      revoked,
      deadLetters:
        suffix === undefined
          ? undefined
          : new NatsDeadLetterPublisher(this.publisher, suffix, name, subject === topic ? undefined : topic),
      paused: this.paused,
      ackWaitMs: this.options.ackWaitMs,
      pullBatch: () => pullBatch(this.loops.size, this.context.maxBuffered, this.load?.backlogged),
      connectionClosed: () => this.nc?.isClosed() ?? true,
      flush: () => this.nc?.flush() ?? Promise.resolve(),
      logger: this.context.logger,
    });
  }

  private async open(): Promise<void> {
    const nc = await connectNats(this.options);
    try {
      const jsm = await jetstreamManager(nc);
      this.js = jsm.jetstream();
      this.streams = new NatsStreamProvisioner(jsm, this.options);
      this.publisher = new NatsPublisher(this.js, this.streams, this.context.publishTimeoutMs);
      this.consumers = new NatsConsumerProvisioner(jsm, this.options);
      await this.streams.verifyStream();
    } catch (err) {
      await nc.close();
      throw err;
    }
    this.nc = nc;
    this.watchConnection(nc);
  }

  private watchConnection(nc: NatsConnection): void {
    const { logger } = this.context;
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') {
          this.disconnected = true;
          logger.warn(`NATS connection to ${status.server} lost; reconnecting`, 'NatsTransport');
          for (const loop of this.loops.values()) loop.connectionLost();
        } else if (status.type === 'reconnect') {
          this.disconnected = false;
          logger.log(`NATS connection to ${status.server} restored`, 'NatsTransport');
          this.publisher.reconnected();
          for (const loop of this.loops.values()) loop.restart('reconnected');
        }
      }
    })().catch(() => undefined);
  }

  private async shutdown(): Promise<void> {
    await this.connecting?.catch(() => undefined);
    await this.stopConsuming();
    await Promise.all([...this.loops.values()].map((loop) => loop.releaseUnsettled()));
    await Promise.all([...this.partitioned.values()].map((topic) => topic.close()));
    this.keepAlive.stop();
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    await settleWithin(nc.drain(), CLOSE_DRAIN_TIMEOUT_MS);
    if (!nc.isClosed()) await nc.close();
  }

  /** The subject itself (`<topic>.*` with partitions on) and, when dead-lettering is on, its dead-letter subject. */
  private subjectsOf(topic: string): string[] {
    const suffix = this.context.deadLetterSuffix;
    const captured = this.options.partitions > 0 ? `${topic}.*` : topic;
    return suffix === undefined ? [captured] : [captured, `${topic}${suffix}`];
  }
}
