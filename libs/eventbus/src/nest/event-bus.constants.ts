/** Injection token of the resolved, validated options (`ResolvedEventBusOptions`). */
export const EVENT_BUS_OPTIONS = Symbol('EVENT_BUS_OPTIONS');

/** Transport id of `EventBusServer`: `@DomainEvent` handlers are registered on this server only. */
export const EVENT_BUS_TRANSPORT = Symbol('EVENT_BUS_TRANSPORT');

/** Key in a handler's `extras` that marks a `@DomainEvent` handler; its value is the `DomainEventOptions`. */
export const DOMAIN_EVENT_EXTRA = 'eventbus:domainEvent';

/** Key in a handler's `extras` that marks a `@DeadLetters` handler; its value is the original topic. */
export const DEAD_LETTERS_EXTRA = 'eventbus:deadLetters';
