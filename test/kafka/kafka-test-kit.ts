import type { LoggerService } from '@nestjs/common';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { vi } from 'vitest';
import { KafkaTransport } from '../../libs/eventbus/src/transports/kafka/kafka.transport';
import {
  type KafkaTransportOptions,
  resolveKafkaOptions,
} from '../../libs/eventbus/src/transports/kafka/kafka-transport.options';
import type {
  DeliverFn,
  InboundMessage,
  OutboundMessage,
} from '../../libs/eventbus/src/transports/transport.port';
import { KAFKA_BROKERS } from '../support/brokers';

/** Keeps what the adapter logs; `EVENTBUS_TEST_LOG=1` also prints warnings and errors. */
export class RecordingLogger implements LoggerService {
  readonly entries: { level: string; message: string }[] = [];

  log(message: unknown): void {
    this.record('log', message);
  }
  error(message: unknown): void {
    this.record('error', message);
  }
  warn(message: unknown): void {
    this.record('warn', message);
  }
  debug(message: unknown): void {
    this.record('debug', message);
  }

  private record(level: string, message: unknown): void {
    this.entries.push({ level, message: String(message) });
    if (process.env.EVENTBUS_TEST_LOG && (level === 'error' || level === 'warn')) {
      console.log(`[${level}] ${String(message)}`);
    }
  }
}

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

  create(
    options: Partial<KafkaTransportOptions> & { groupId: string },
    deadLetterSuffix: string | false = '.dlq',
  ): { transport: KafkaTransport; logger: RecordingLogger } {
    const logger = new RecordingLogger();
    const transport = new KafkaTransport(
      resolveKafkaOptions({
        brokers: KAFKA_BROKERS,
        clientId: 'kafka-transport-test',
        ...FAST_GROUP,
        ...options,
      }),
      { deadLetterSuffix: deadLetterSuffix || undefined, maxBuffered: 1_000, logger },
    );
    this.created.push(transport);
    return { transport, logger };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.created.splice(0).map((t) => t.close()));
  }
}

/** Collects delivered messages, playing the core. */
export class Inbox {
  readonly messages: InboundMessage[] = [];
  readonly deliver: DeliverFn;

  constructor(onMessage?: (message: InboundMessage, inbox: Inbox) => void) {
    this.deliver = (message) => {
      this.messages.push(message);
      onMessage?.(message, this);
    };
  }

  /** Resolves once at least `count` messages arrived. */
  async waitFor(count: number, timeout = 20_000): Promise<InboundMessage[]> {
    await vi.waitFor(
      () => {
        if (this.messages.length < count) {
          throw new Error(`received ${this.messages.length} of ${count} messages`);
        }
      },
      { timeout, interval: 50 },
    );
    return this.messages;
  }

  values(): string[] {
    return this.messages.map((m) => m.value.toString());
  }
}

export function outbound(value: string, key?: string, headers: Record<string, string> = {}): OutboundMessage {
  return { key, value: Buffer.from(value), headers };
}

/** A plain kafkajs admin client for checking what the adapter did on the broker. */
export function testAdmin(): Admin {
  return new Kafka({
    clientId: 'kafka-transport-test-admin',
    brokers: KAFKA_BROKERS,
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
