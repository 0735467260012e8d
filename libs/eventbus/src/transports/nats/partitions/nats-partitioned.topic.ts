import type { LoggerService } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import type { NatsConsumerLoop } from '../nats-consumer.loop';
import type { NatsConsumerProvisioner } from '../nats-consumer.provisioner';
import { natsConsumerName } from '../nats-consumer-name';
import { NatsLeaseStore } from './nats-lease.store';
import { NatsPartitionOwnership, type PartitionRunner } from './nats-partition.ownership';

/** How long a partition given back waits for its handlers to settle before releasing what is left. */
const GIVE_BACK_SETTLE_MS = 5_000;
const GIVE_BACK_POLL_MS = 50;

/** Creates and registers the consumer loops of partitions (the transport owns pause, keep-alive and reconnects). */
export interface PartitionLoops {
  create(subject: string, revoked: () => boolean): NatsConsumerLoop;
  add(loop: NatsConsumerLoop): void;
  remove(loop: NatsConsumerLoop): void;
}

export interface NatsPartitionedTopicOptions {
  readonly nc: NatsConnection;
  readonly topic: string;
  readonly durable: string;
  readonly partitions: number;
  readonly leaseTtlMs: number;
  readonly ackWaitMs: number;
  readonly consumers: NatsConsumerProvisioner;
  readonly logger: LoggerService;
  readonly loops: PartitionLoops;
}

/**
 * One subscribed subject with `nats.partitions` on: partition `p` is the subject `<topic>.<p>` with its own
 * durable consumer `natsConsumerName(durable, '<topic>.<p>')`, pulled by a `NatsConsumerLoop` only while this
 * instance holds its lease (`NatsPartitionOwnership`; group = `natsConsumerName(durable, topic)`).
 */
export class NatsPartitionedTopic implements PartitionRunner {
  private readonly running = new Map<number, NatsConsumerLoop>();
  private ownership!: NatsPartitionOwnership;

  private constructor(private readonly o: NatsPartitionedTopicOptions) {}

  static async open(options: NatsPartitionedTopicOptions): Promise<NatsPartitionedTopic> {
    const group = natsConsumerName(options.durable, options.topic);
    const store = await NatsLeaseStore.open(options.nc, group, options.leaseTtlMs);
    const topic = new NatsPartitionedTopic(options);
    topic.ownership = new NatsPartitionOwnership({
      store,
      member: randomUUID(),
      partitions: options.partitions,
      ttlMs: options.leaseTtlMs,
      ackWaitMs: options.ackWaitMs,
      runner: topic,
      logger: options.logger,
      name: `JetStream partitions of ${group}`,
    });
    await topic.ownership.start();
    return topic;
  }

  /** Partitions pulled here right now. */
  held(): number[] {
    return [...this.running.keys()].sort((a, b) => a - b);
  }

  stopIntake(): Promise<void> {
    return this.ownership.stopIntake();
  }

  close(): Promise<void> {
    return this.ownership.close();
  }

  ackPending(partition: number): Promise<number> {
    return this.o.consumers.ackPending(natsConsumerName(this.o.durable, this.subject(partition)));
  }

  async start(partition: number, revoked: () => boolean): Promise<void> {
    const loop = this.o.loops.create(this.subject(partition), revoked);
    await loop.provision();
    if (revoked()) return;
    this.running.set(partition, loop);
    this.o.loops.add(loop);
    await loop.start();
  }

  async stop(partition: number, graceful: boolean): Promise<void> {
    const loop = this.running.get(partition);
    if (!loop) return;
    this.running.delete(partition);
    await loop.stop();
    if (graceful) {
      const until = Date.now() + GIVE_BACK_SETTLE_MS;
      while (loop.unsettledCount() > 0 && Date.now() < until && !loop.revoked()) {
        await new Promise((resolve) => setTimeout(resolve, GIVE_BACK_POLL_MS));
      }
      await loop.releaseUnsettled();
    }
    this.o.loops.remove(loop);
  }

  private subject(partition: number): string {
    return `${this.o.topic}.${partition}`;
  }
}
