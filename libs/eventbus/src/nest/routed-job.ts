import { readDeliveredDeadLetter } from '../dead-letters/dead-letter';
import type { AttemptContext, DispatchJob } from '../dispatcher/dispatch-job';
import { decodeReceivedEnvelope } from '../envelope/envelope-codec';
import { decodeRaw } from '../envelope/raw-message-codec';
import type { ObservedJob } from '../observability/consumer-observer';
import type { AckDecision } from '../policy/ack-decision';
import type { DeliverySemantics, InboundMessage } from '../transports/transport.port';

/** The handlers of one topic, as the server registered them. */
export interface Route {
  /** The Nest pattern its handlers are registered under. */
  readonly pattern: string;
  readonly topic: string;
  readonly semantics: DeliverySemantics;
  readonly maxAttempts: number | undefined;
  /** `@DeadLetters`: every message is handed over as a `DeadLetter`, never decoded by a codec. */
  readonly deadLetters: boolean;
}

/** Where a routed job's attempts go: shared by every job of a server. */
export interface RoutedJobRunner {
  /** Runs one attempt observed (`ConsumerObserver.attempt`). */
  run(job: RoutedJob, attempt: AttemptContext): Promise<AckDecision>;
  /** Runs the route's handlers once; never rejects. */
  handle(job: RoutedJob, attempt: AttemptContext): Promise<AckDecision>;
}

/**
 * A delivered message, decoded and routed: the dispatcher's job, the span's description, and the source of
 * its handlers' payloads. One object per message whose methods are shared, instead of closures built for
 * every message.
 */
export class RoutedJob implements DispatchJob, ObservedJob {
  readonly semantics: DeliverySemantics;
  readonly orderingKey: string | undefined;
  readonly maxAttempts: number | undefined;
  readonly messageId: string | undefined;
  /** What Nest's `handleEvent` receives as the packet. */
  readonly packet: { readonly pattern: string; readonly data: unknown };
  /** The payload decoded at intake, until the first handler call takes it. */
  private unused: unknown;

  constructor(
    readonly message: InboundMessage,
    readonly route: Route,
    /** What intake decoded: the envelope, the raw payload, or the `DeadLetter`. */
    data: unknown,
    readonly aggregateId: string | undefined,
    private readonly runner: RoutedJobRunner,
  ) {
    this.semantics = route.semantics;
    this.orderingKey = aggregateId === undefined ? undefined : `${message.topic}\u0000${aggregateId}`;
    this.maxAttempts = route.maxAttempts;
    this.messageId =
      route.semantics === 'domain-event' && !route.deadLetters ? (data as { id: string }).id : undefined;
    this.packet = { pattern: route.pattern, data };
    this.unused = data;
  }

  get topic(): string {
    return this.message.topic;
  }

  get partition(): number | undefined {
    return this.message.partition;
  }

  get sequence(): number {
    return this.message.sequence;
  }

  get key(): string | undefined {
    return this.message.key;
  }

  get headers(): Readonly<Record<string, string>> {
    return this.message.headers;
  }

  header(name: string): string | undefined {
    return this.message.header(name);
  }

  run(attempt: AttemptContext): Promise<AckDecision> {
    return this.runner.run(this, attempt);
  }

  handle(attempt: AttemptContext): Promise<AckDecision> {
    return this.runner.handle(this, attempt);
  }

  /**
   * The payload for the next handler call. Every call gets its own copy: a handler that mutates its payload
   * changes nothing for the next handler or the next attempt. The copy decoded at intake serves the first call.
   */
  nextPayload(): unknown {
    const payload = this.unused;
    if (payload !== undefined) {
      this.unused = undefined;
      return payload;
    }
    const { message, route } = this;
    if (route.deadLetters) return readDeliveredDeadLetter(message, (this.packet.data as { id: string }).id);
    return route.semantics === 'domain-event'
      ? decodeReceivedEnvelope(message.value, message)
      : decodeRaw(message.value, message.headers);
  }
}
