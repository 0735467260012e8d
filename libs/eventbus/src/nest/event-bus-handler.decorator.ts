import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EVENT_BUS_TRANSPORT } from './event-bus.constants';
import { OriginalErrorInterceptor } from './original-error.interceptor';

const originalErrors = new OriginalErrorInterceptor();

/**
 * `@EventPattern(topic, EVENT_BUS_TRANSPORT, extras)` plus the interceptor that keeps the handler's original
 * error: what `@DomainEvent` and `@RawEvent` are made of. Bound to `EventBusServer` only.
 */
export function EventBusHandler(topic: string, extras: Record<string, unknown>): MethodDecorator {
  return applyDecorators(
    EventPattern(topic, EVENT_BUS_TRANSPORT, extras) as MethodDecorator,
    UseInterceptors(originalErrors),
  );
}
