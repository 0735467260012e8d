import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { NatsProvisioningError } from './nats-provisioning.error';
import type { ResolvedNatsOptions } from './nats-transport.options';

/** The durable pull consumer one subscription needs. */
export interface NatsConsumerSpec {
  readonly name: string;
  readonly subject: string;
  /** Unacknowledged deliveries the server allows at once (the prefetch bound). */
  readonly maxAckPending: number;
}

/**
 * Creates or checks the durable pull consumer of a subscription: explicit ack, `filter_subject` = the subject,
 * `ack_wait` = `ackWaitMs`, `max_deliver` = `maxDeliver`, `max_ack_pending` = the spec's bound, and
 * `deliver_policy: all` (a new durable starts at the first stored message of its subject).
 *
 * An existing consumer keeps its position; with provisioning on, its `ack_wait`, `max_deliver` and
 * `max_ack_pending` are updated to the options. A consumer that filters another subject or does not use explicit
 * acks is refused with a `NatsProvisioningError`, as is a missing one when provisioning is off.
 */
export class NatsConsumerProvisioner {
  constructor(
    private readonly jsm: JetStreamManager,
    private readonly options: ResolvedNatsOptions,
  ) {}

  async ensure(spec: NatsConsumerSpec): Promise<ConsumerInfo> {
    const existing = await this.info(spec.name);
    if (!existing) return this.create(spec);
    this.checkCompatible(existing, spec);
    const wanted = this.tunables(spec);
    const current = existing.config;
    const differs =
      current.ack_wait !== wanted.ack_wait ||
      current.max_deliver !== wanted.max_deliver ||
      current.max_ack_pending !== wanted.max_ack_pending;
    if (!this.options.provision || !differs) return existing;
    return this.jsm.consumers.update(this.options.stream, spec.name, wanted);
  }

  private async create(spec: NatsConsumerSpec): Promise<ConsumerInfo> {
    const { stream, provision } = this.options;
    if (!provision) {
      throw new NatsProvisioningError(
        `JetStream consumer "${spec.name}" (subject ${spec.subject}) does not exist on stream "${stream}" and ` +
          `provisioning is off (nats.provision: false): create it as a durable pull consumer with explicit ack.`,
        stream,
        spec.name,
      );
    }
    const config: Partial<ConsumerConfig> = {
      durable_name: spec.name,
      filter_subject: spec.subject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ...this.tunables(spec),
    };
    try {
      return await this.jsm.consumers.add(stream, config);
    } catch (err) {
      const raced = await this.info(spec.name);
      if (raced) return raced;
      throw new NatsProvisioningError(
        `Could not create JetStream consumer "${spec.name}" on stream "${stream}": ${(err as Error).message}`,
        stream,
        spec.name,
        { cause: err },
      );
    }
  }

  private tunables(
    spec: NatsConsumerSpec,
  ): Pick<ConsumerConfig, 'ack_wait' | 'max_deliver' | 'max_ack_pending'> {
    return {
      ack_wait: nanos(this.options.ackWaitMs),
      max_deliver: this.options.maxDeliver,
      max_ack_pending: spec.maxAckPending,
    };
  }

  private checkCompatible(info: ConsumerInfo, spec: NatsConsumerSpec): void {
    const { config } = info;
    const filter =
      config.filter_subject ?? (config.filter_subjects?.length === 1 ? config.filter_subjects[0] : '');
    const problem =
      filter !== spec.subject
        ? `filters subject "${filter}" instead of "${spec.subject}"`
        : config.ack_policy !== AckPolicy.Explicit
          ? `uses ack policy "${config.ack_policy}" instead of "explicit"`
          : config.deliver_subject
            ? 'is a push consumer, not a pull consumer'
            : undefined;
    if (!problem) return;
    throw new NatsProvisioningError(
      `JetStream consumer "${spec.name}" on stream "${this.options.stream}" ${problem}; delete it or choose ` +
        `another durable name.`,
      this.options.stream,
      spec.name,
    );
  }

  /** Messages of the consumer not yet acknowledged: not delivered yet plus delivered and unacknowledged. */
  async unacknowledged(name: string): Promise<number> {
    const info = await this.info(name);
    return info ? info.num_pending + info.num_ack_pending : 0;
  }

  /** Messages delivered by the consumer and not acknowledged yet (0 when it does not exist). */
  async ackPending(name: string): Promise<number> {
    return (await this.info(name))?.num_ack_pending ?? 0;
  }

  private async info(name: string): Promise<ConsumerInfo | undefined> {
    try {
      return await this.jsm.consumers.info(this.options.stream, name);
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)
        return undefined;
      throw err;
    }
  }
}
