import { InvalidOptionsError } from '../errors/invalid-options.error';
import { DEAD_LETTERS_EXTRA } from './event-bus.constants';
import { EventBusHandler } from './event-bus-handler.decorator';

/**
 * Subscribes the method to the dead letters of `topic`, i.e. to `<topic><suffix>` (`deadLetter.suffix`,
 * default `.dlq`), on `EventBusServer` only. The payload is a `DeadLetter` for every dead letter, also of
 * originals that cannot be decoded (its `envelope` is then undefined; `value` holds the bytes). Delivery is
 * at-least-once and in order per original key, like domain events: a failing handler is retried and, after
 * `retry.maxAttempts`, dead-lettered in turn to `<topic><suffix><suffix>`. Start fails with
 * `InvalidOptionsError` while dead-lettering is off.
 */
export function DeadLetters(topic: string): MethodDecorator {
  if (typeof topic !== 'string' || topic === '') {
    throw new InvalidOptionsError('topic', 'a non-empty string', topic, { source: '@DeadLetters' });
  }
  return EventBusHandler({ deadLetters: topic }, { [DEAD_LETTERS_EXTRA]: topic });
}
