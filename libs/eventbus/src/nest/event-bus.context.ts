import { BaseRpcContext } from '@nestjs/microservices';
import type { AttemptContext } from '../dispatcher/dispatch-job';
import type { InboundMessage, TransportName } from '../transports/transport.port';

type EventBusContextArgs = [
  message: InboundMessage,
  attempt: AttemptContext,
  transport: TransportName,
  aggregateId: string | undefined,
];

/** What `@Ctx()` gives a handler of `EventBusServer`. */
export class EventBusContext extends BaseRpcContext<EventBusContextArgs> {
  private noted: { error: unknown } | undefined;

  /** @internal Records the error a handler threw, before exception filters see it. */
  noteError(error: unknown): void {
    this.noted = { error };
  }

  /** @internal The error noted since the last call, if any (the next handler starts clean). */
  takeNotedError(): { error: unknown } | undefined {
    const noted = this.noted;
    this.noted = undefined;
    return noted;
  }

  /** The topic (Kafka topic, JetStream subject) the message came from. */
  getTopic(): string {
    return this.args[0].topic;
  }

  /**
   * 1-based handler attempt of this delivery in this process (in-process retries count; a broker redelivery,
   * e.g. after a release at shutdown, starts at 1 again). On JetStream the server's count
   * is `getMessage<JsMsg>().info.deliveryCount`; Kafka and memory have none.
   */
  getAttempt(): number {
    return this.args[1].attempt;
  }

  /** The aggregate id of a domain event; the message key of a raw message (undefined when it has none). */
  getAggregateId(): string | undefined {
    return this.args[3];
  }

  /** The message headers (envelope fields travel as `ce_*` headers). */
  getHeaders(): Readonly<Record<string, string>> {
    return this.args[0].headers;
  }

  /** `'memory'`, `'kafka'` or `'nats'`. */
  getTransport(): TransportName {
    return this.args[2];
  }

  /** Aborted when the attempt exceeds `handlerTimeoutMs` or the server shuts down; pass it to your I/O. */
  get signal(): AbortSignal {
    return this.args[1].signal;
  }

  /** The broker's own message (kafkajs `KafkaMessage`, nats.js `JsMsg`, memory record), for experts. */
  getMessage<T = unknown>(): T {
    return this.args[0].raw as T;
  }

  /** Kafka partition, JetStream stream sequence / Kafka offset of the message. */
  getPosition(): { partition?: number; sequence: number } {
    return { partition: this.args[0].partition, sequence: this.args[0].sequence };
  }
}
