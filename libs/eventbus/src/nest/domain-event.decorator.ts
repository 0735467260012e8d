import { InvalidOptionsError } from '../errors/invalid-options.error';
import { rejectUnknownKeys } from '../options/unknown-keys';
import { DOMAIN_EVENT_EXTRA } from './event-bus.constants';
import { EventBusHandler } from './event-bus-handler.decorator';

/** Per-handler settings of `@DomainEvent`. */
export interface DomainEventOptions {
  /** Overrides `retry.maxAttempts` for this topic's events: an integer from 1 to 1000. */
  readonly maxAttempts?: number;
}

const DOMAIN_EVENT_OPTION_KEYS: readonly (keyof DomainEventOptions)[] = ['maxAttempts'];

/** Throws `InvalidOptionsError` for an empty topic, unknown keys or a `maxAttempts` outside 1..1000. */
function checkDomainEventOptions(topic: string, options: DomainEventOptions): void {
  const source = `@DomainEvent(${JSON.stringify(topic)})`;
  if (typeof topic !== 'string' || topic === '') {
    throw new InvalidOptionsError('topic', 'a non-empty string', topic, { source: '@DomainEvent' });
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionsError('options', 'an object', options, { source });
  }
  rejectUnknownKeys('', options, DOMAIN_EVENT_OPTION_KEYS, source);
  const { maxAttempts } = options;
  if (
    maxAttempts !== undefined &&
    !(Number.isInteger(maxAttempts) && maxAttempts >= 1 && maxAttempts <= 1_000)
  ) {
    throw new InvalidOptionsError('maxAttempts', 'an integer from 1 to 1000', maxAttempts, { source });
  }
}

/**
 * Subscribes the method to the domain events of `topic` (a Kafka topic, a JetStream subject, a memory
 * topic) with envelope semantics: the payload is a `DomainEventEnvelope<T>`, delivery is at-least-once, and
 * the events of one aggregate are handled one after another in publish order. The options are checked when
 * the decorator is applied (`InvalidOptionsError`); the topic against the broker's rules at start.
 *
 * It is `@EventPattern(topic, EVENT_BUS_TRANSPORT, { 'eventbus:domainEvent': options })` (bound to
 * `EventBusServer` only), so guards, pipes, interceptors and exception filters apply as to any Nest event handler.
 */
export function DomainEvent(topic: string, options: DomainEventOptions = {}): MethodDecorator {
  checkDomainEventOptions(topic, options);
  return EventBusHandler(topic, { [DOMAIN_EVENT_EXTRA]: options });
}
