import { EventBusHandler } from './event-bus-handler.decorator';

/**
 * Subscribes the method to the raw messages of `topic` on `EventBusServer` only: the payload is the decoded
 * body (JSON, text or bytes), delivery is at-most-once (a failed message is dropped, or dead-lettered on
 * `DeadLetterError`), and messages with the same key are handled in order.
 *
 * Prefer it over a plain `@EventPattern(topic)`: Nest registers an unbound pattern on every server of the
 * application, so another transport (Nest's Kafka or NATS) would consume the topic too, and vice versa.
 */
export function RawEvent(topic: string): MethodDecorator {
  return EventBusHandler(topic, {});
}
