import { jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsTransport } from '../../libs/eventbus/src/transports/nats/nats.transport';
import {
  resolveNatsOptions,
  type NatsTransportOptions,
} from '../../libs/eventbus/src/transports/nats/nats-transport.options';
import { NATS_SERVERS, uniqueName } from '../support/brokers';
import { waitFor } from '../support/recorder';
import { RecordingLogger } from '../support/recording-logger';

/** A JetStream stream name no earlier run used. */
export function uniqueStream(prefix: string): string {
  return uniqueName(prefix).replace(/-/g, '_').toUpperCase();
}

export interface TransportSetup extends NatsTransportOptions {
  maxBuffered?: number;
  deadLetterSuffix?: string;
  publishTimeoutMs?: number;
}

export function natsTransport(setup: TransportSetup, logger = new RecordingLogger()): NatsTransport {
  const { maxBuffered = 100, deadLetterSuffix = '.dlq', publishTimeoutMs = 30_000, ...options } = setup;
  return new NatsTransport(resolveNatsOptions({ servers: NATS_SERVERS, ...options }), {
    deadLetterSuffix,
    maxBuffered,
    publishTimeoutMs,
    logger,
  });
}

/** A management connection for assertions on the server's own view (stream contents, consumer state). */
export class JetStreamProbe {
  private constructor(
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
  ) {}

  static async open(servers: string = NATS_SERVERS): Promise<JetStreamProbe> {
    const nc = await connect({ servers });
    return new JetStreamProbe(nc, await jetstreamManager(nc));
  }

  consumer(stream: string, name: string): Promise<ConsumerInfo> {
    return this.jsm.consumers.info(stream, name);
  }

  /**
   * The consumer's info once `settled(info)` holds (by default: no ack pending), or after `timeoutMs` whatever it
   * is then, for the caller's assertions to report. The server applies acks after it received them, so a read
   * right after a close can still count the last ones as pending.
   */
  async settledConsumer(
    stream: string,
    name: string,
    settled: (info: ConsumerInfo) => boolean = (info) => info.num_ack_pending === 0,
    timeoutMs = 5_000,
  ): Promise<ConsumerInfo> {
    let info: ConsumerInfo | undefined;
    const read = async () => settled((info = await this.consumer(stream, name)));
    await waitFor(read, () => `consumer ${name} not settled`, timeoutMs).catch(() => undefined);
    return info!;
  }

  async subjectCount(stream: string, subject: string): Promise<number> {
    const info = await this.jsm.streams.info(stream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  async close(streams: readonly string[]): Promise<void> {
    for (const stream of streams) await this.jsm.streams.delete(stream).catch(() => undefined);
    await this.nc.close();
  }
}
