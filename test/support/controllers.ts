import { Controller, type Type } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { DomainEvent, type DomainEventEnvelope, type EventBusContext } from '@app/eventbus';

export type DomainHandler = (event: DomainEventEnvelope<any>, ctx: EventBusContext) => unknown;
export type RawHandler = (body: any, ctx: EventBusContext) => unknown;

/**
 * A controller class with one handler method per topic, decorated exactly as a user would write
 * `@DomainEvent(topic) on(@Payload() e, @Ctx() ctx)` (or `@EventPattern(topic)` for raw messages).
 */
function controllerWith(
  decorate: (topic: string) => MethodDecorator,
  handlers: Record<string, RawHandler>,
): Type {
  @Controller()
  class TestEventsController {}
  const prototype = TestEventsController.prototype as Record<string, unknown>;
  for (const [topic, handle] of Object.entries(handlers)) {
    const name = `on_${topic.replace(/\W/g, '_')}`;
    prototype[name] = (payload: unknown, ctx: EventBusContext) => handle(payload, ctx);
    Payload()(prototype, name, 0);
    Ctx()(prototype, name, 1);
    // As TypeScript's decorator helper does: the descriptor the decorator returns (or changed) is defined.
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name)!;
    Object.defineProperty(prototype, name, decorate(topic)(prototype, name, descriptor) ?? descriptor);
  }
  return TestEventsController;
}

/** A controller with one `@DomainEvent(topic)` handler per entry. */
export const domainController = (handlers: Record<string, DomainHandler>): Type =>
  controllerWith((topic) => DomainEvent(topic), handlers);

/** A controller with one raw `@EventPattern(topic)` handler per entry. */
export const rawController = (handlers: Record<string, RawHandler>): Type =>
  controllerWith((topic) => EventPattern(topic) as MethodDecorator, handlers);
