import { EventPattern } from '@nestjs/microservices';
import { EVENT_BUS_TRANSPORT } from './event-bus.constants';
import { noteOriginalErrors } from './original-error.capture';

/**
 * `@EventPattern(topic, EVENT_BUS_TRANSPORT, extras)` on the method wrapped so its original errors are kept
 * (`noteOriginalErrors`): what `@DomainEvent`, `@RawEvent` and `@DeadLetters` are made of. Bound to
 * `EventBusServer` only.
 */
export function EventBusHandler(
  pattern: string | Record<string, string>,
  extras: Record<string, unknown>,
): MethodDecorator {
  const eventPattern = EventPattern(pattern, EVENT_BUS_TRANSPORT, extras) as MethodDecorator;
  return (target, key, descriptor) => {
    const method = descriptor.value;
    if (typeof method === 'function') {
      descriptor.value = noteOriginalErrors(method as (...args: never[]) => unknown) as typeof method;
    }
    return eventPattern(target, key, descriptor) ?? descriptor;
  };
}
