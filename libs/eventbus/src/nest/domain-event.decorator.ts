import { DOMAIN_EVENT_EXTRA } from './event-bus.constants';
import { EventBusHandler } from './event-bus-handler.decorator';

/** Per-handler settings of `@DomainEvent`. */
export interface DomainEventOptions {
  /** Overrides `retry.maxAttempts` for this topic's events. */
  readonly maxAttempts?: number;
}

/**
 * Subscribes the method to the domain events of `topic` (a Kafka topic, a JetStream subject, a memory
 * topic) with envelope semantics: the payload is a `DomainEventEnvelope<T>`, delivery is at-least-once, and
 * the events of one aggregate are handled one after another in publish order.
 *
 * It is `@EventPattern(topic, EVENT_BUS_TRANSPORT, { 'eventbus:domainEvent': options })` (bound to
 * `EventBusServer` only), so guards, pipes, interceptors and exception filters apply as to any Nest event handler.
 */
export function DomainEvent(topic: string, options: DomainEventOptions = {}): MethodDecorator {
  return EventBusHandler(topic, { [DOMAIN_EVENT_EXTRA]: options });
}
