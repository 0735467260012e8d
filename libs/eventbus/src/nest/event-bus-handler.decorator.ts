import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EVENT_BUS_TRANSPORT } from './event-bus.constants';
import { OriginalErrorInterceptor } from './original-error.interceptor';

const originalErrors = new OriginalErrorInterceptor();

/**
 * `@EventPattern(topic, EVENT_BUS_TRANSPORT, extras)` plus the interceptor that keeps the handler's original
 * error: what `@DomainEvent`, `@RawEvent` and `@DeadLetters` are made of. Bound to `EventBusServer` only.
 */
export function EventBusHandler(
  pattern: string | Record<string, string>,
  extras: Record<string, unknown>,
): MethodDecorator {
  return applyDecorators(
    EventPattern(pattern, EVENT_BUS_TRANSPORT, extras) as MethodDecorator,
    UseInterceptors(originalErrors),
  );
}
