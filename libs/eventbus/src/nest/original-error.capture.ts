import { EventBusContext } from './event-bus.context';
import { callTappingErrors } from './tap-errors';

/** The context of each handler call under way, by the payload object it was given (and its `payload`). */
const contextsByPayload = new Map<object, EventBusContext>();

/**
 * Makes `context` findable from `payload` (and its `payload` property) while a handler call runs, so an error
 * the method throws can be noted on it even when the method takes the payload (`@Payload()`,
 * `@Payload('payload')`) but not the context. Returns the inner object it registered: pass both to
 * `forgetCall`, which stays right when the handler reassigned `payload.payload`.
 */
export function rememberCall(payload: unknown, context: EventBusContext): object | undefined {
  const outer = asObject(payload);
  if (!outer) return undefined;
  contextsByPayload.set(outer, context);
  const inner = asObject((outer as { payload?: unknown }).payload);
  if (inner) contextsByPayload.set(inner, context);
  return inner;
}

export function forgetCall(payload: unknown, inner: object | undefined): void {
  const outer = asObject(payload);
  if (outer) contextsByPayload.delete(outer);
  if (inner) contextsByPayload.delete(inner);
}

function asObject(value: unknown): object | undefined {
  return typeof value === 'object' && value !== null ? value : undefined;
}

/** Notes `error` on the `EventBusContext` of the call whose arguments these are, when one is found. */
function noteOn(args: readonly unknown[], error: unknown): void {
  for (const arg of args) {
    const key = asObject(arg);
    const context = arg instanceof EventBusContext ? arg : key && contextsByPayload.get(key);
    if (context) return context.noteError(error);
  }
}

const ORIGINAL_METHOD = Symbol('eventbus:originalMethod');

/** The method `noteOriginalErrors` wrapped, when `fn` is such a wrapper (for calls that need no noting). */
export function originalMethodOf(fn: unknown): ((...args: never[]) => unknown) | undefined {
  return typeof fn === 'function'
    ? (fn as { [ORIGINAL_METHOD]?: (...args: never[]) => unknown })[ORIGINAL_METHOD]
    : undefined;
}

/**
 * Wraps a handler method so that what it throws, rejects with or its stream errors with is noted on the call's
 * `EventBusContext` (see `rememberCall`) and passed on unchanged. Exception filters then run as Nest runs
 * them; when none of the user's matched and Nest's default RPC filter replaced the error by "Internal server
 * error", `EventBusServer` decides on the noted original, so its meaning and message are kept. The method's
 * own metadata (set by decorators applied before) is copied to the wrapper.
 */
export function noteOriginalErrors<T extends (...args: never[]) => unknown>(method: T): T {
  function handler(this: unknown, ...args: unknown[]): unknown {
    return callTappingErrors(method, this, args, (error) => noteOn(args, error));
  }
  Object.defineProperty(handler, ORIGINAL_METHOD, { value: method });
  for (const key of Reflect.getOwnMetadataKeys(method)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, method), handler);
  }
  Object.defineProperty(handler, 'name', { value: method.name });
  return handler as unknown as T;
}
