import { jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { LoggerService } from '@nestjs/common';
import type { InboundMessage } from '../../libs/eventbus/src/transports/transport.port';
import { NatsTransport } from '../../libs/eventbus/src/transports/nats/nats.transport';
import {
  resolveNatsOptions,
  type NatsTransportOptions,
} from '../../libs/eventbus/src/transports/nats/nats-transport.options';
import { NATS_SERVERS, uniqueName } from '../support/brokers';

/** Collects what a transport logs; warnings and errors are also printed, to explain a failing test. */
export class RecordingLogger implements LoggerService {
  readonly warnings: string[] = [];
  log(): void {}
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
  error(message: unknown): void {
    this.warnings.push(String(message));
    console.error(message);
  }
}

/** A JetStream stream name no earlier run used. */
export function uniqueStream(prefix: string): string {
  return uniqueName(prefix).replace(/-/g, '_').toUpperCase();
}

export interface TransportSetup extends NatsTransportOptions {
  maxBuffered?: number;
  deadLetterSuffix?: string;
}

export function natsTransport(setup: TransportSetup, logger = new RecordingLogger()): NatsTransport {
  const { maxBuffered = 100, deadLetterSuffix = '.dlq', ...options } = setup;
  return new NatsTransport(resolveNatsOptions({ servers: NATS_SERVERS, ...options }), {
    deadLetterSuffix,
    maxBuffered,
    logger,
  });
}

/** Plays the core: records every delivery. */
export class Inbox {
  readonly messages: InboundMessage[] = [];
  readonly deliver = (message: InboundMessage): void => {
    this.messages.push(message);
  };

  /** Waits until `count` messages arrived; fails with what arrived when they do not. */
  async receive(count: number, timeoutMs = 15_000): Promise<InboundMessage[]> {
    await waitFor(
      () => this.messages.length >= count,
      timeoutMs,
      () => `${this.messages.length}/${count} received`,
    );
    return this.messages.slice(0, count);
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string = () => 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(25);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

  async subjectCount(stream: string, subject: string): Promise<number> {
    const info = await this.jsm.streams.info(stream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  async close(streams: readonly string[]): Promise<void> {
    for (const stream of streams) await this.jsm.streams.delete(stream).catch(() => undefined);
    await this.nc.close();
  }
}
