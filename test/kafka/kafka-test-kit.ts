import { type Admin, Kafka, logLevel } from 'kafkajs';
import { KafkaTransport } from '../../libs/eventbus/src/transports/kafka/kafka.transport';
import {
  type KafkaTransportOptions,
  resolveKafkaOptions,
} from '../../libs/eventbus/src/transports/kafka/kafka-transport.options';
import type { OutboundMessage } from '../../libs/eventbus/src/transports/transport.port';
import { KAFKA_BROKERS } from '../support/brokers';
import { RecordingLogger } from '../support/recording-logger';

/**
 * Small session and heartbeat values make group joins and rebalances quick; the broker's minimum session
 * timeout is 6 s. Commits run every 200 ms so tests see them soon.
 */
export const FAST_GROUP: Partial<KafkaTransportOptions> = {
  sessionTimeout: 6_000,
  heartbeatInterval: 500,
  commitIntervalMs: 200,
};

/** Creates transports and closes every one of them afterwards, even when a test failed. */
export class TransportFactory {
  private readonly created: KafkaTransport[] = [];

  /** On the shared broker unless `options.brokers` names another; `publishTimeoutMs` defaults to 30 s. */
  create(
    options: Partial<KafkaTransportOptions> & { groupId: string },
    deadLetterSuffix: string | false = '.dlq',
    publishTimeoutMs = 30_000,
  ): { transport: KafkaTransport; logger: RecordingLogger } {
    const logger = new RecordingLogger();
    const transport = new KafkaTransport(
      resolveKafkaOptions({
        brokers: KAFKA_BROKERS,
        clientId: 'kafka-transport-test',
        ...FAST_GROUP,
        ...options,
      }),
      {
        deadLetterSuffix: deadLetterSuffix || undefined,
        maxBuffered: 1_000,
        publishTimeoutMs,
        logger,
      },
    );
    this.created.push(transport);
    return { transport, logger };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.created.splice(0).map((t) => t.close()));
  }
}

export function outbound(value: string, key?: string, headers: Record<string, string> = {}): OutboundMessage {
  return { key, value: Buffer.from(value), headers };
}

/** A plain kafkajs admin client for checking what the adapter did on the broker. */
export function testAdmin(brokers: string[] = KAFKA_BROKERS): Admin {
  return new Kafka({
    clientId: 'kafka-transport-test-admin',
    brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
}

/** The group's committed offset per partition of one topic (`-1` when nothing was committed). */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map(result.partitions.map((p) => [p.partition, Number(p.offset)]));
}
