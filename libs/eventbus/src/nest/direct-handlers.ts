import type { ApplicationConfig, ModuleRef, ModulesContainer } from '@nestjs/core';
import { MetadataScanner } from '@nestjs/core';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import type { EventBusContext } from './event-bus.context';
import { originalMethodOf } from './original-error.capture';

/** A handler method called with the arguments Nest's RPC pipeline would give it, without the pipeline. */
export interface DirectHandler {
  /** Calls the method; returns what it returns (a value, a promise or a stream) and throws what it throws. */
  call(payload: unknown, context: EventBusContext): unknown;
  /** Logs what the call threw, rejected with or its stream errored with, as Nest's default RPC filter logs it. */
  logError(error: unknown): void;
}

// Nest's metadata keys (`@nestjs/common` and `@nestjs/microservices` constants) and `RpcParamtype` values.
const ENHANCER_KEYS = ['__guards__', '__interceptors__', '__pipes__', '__exceptionFilters__'];
const PATTERN_EXTRAS_METADATA = 'microservices:pattern_extras';
const PARAM_ARGS_METADATA = '__routeArguments__';
const PAYLOAD = '3';
const CONTEXT = '6';

interface ParamMetadata {
  readonly index: number;
  readonly data?: unknown;
  readonly pipes?: readonly unknown[];
}

/**
 * The handler methods that Nest's RPC pipeline would pass through unchanged, to be called without it: Nest
 * builds the same pipeline for every event (parameter resolution with `Promise.all`, the interceptor chain,
 * the exception zone) even when nothing is bound, and that costs about a fifth of what an event costs.
 *
 * A method is called directly only when nothing could run around it: no global pipe, guard, interceptor,
 * exception filter or pre-request hook in the application's config (`useGlobal*()` and `APP_*` providers),
 * none on its controller or on the method, parameters that are only `@Payload()` (optionally with a property
 * name, no pipe) and `@Ctx()`, a static (not request-scoped) controller, and one method for the handler Nest
 * registered. Anything else, or an application config that cannot be read, keeps Nest's pipeline. The config
 * read is the application's (the container's): a microservice that inherits it sees the same, and one that
 * does not starts with an empty config of its own, so reading the application's can only keep the pipeline
 * where it was not needed. Read after Nest registered the handlers, it holds at least what they were built with.
 *
 * What the method throws is passed on; `logError` logs it as Nest's default RPC exception filter would.
 */
export class DirectHandlers {
  /** Per `@EventPattern` extras object (one per decorated method): its controller method, or null when several. */
  private readonly methods = new Map<object, { instance: object; key: string } | null>();

  constructor(modules: ModulesContainer, config: ApplicationConfig | undefined) {
    if (!config || hasGlobalEnhancers(config)) return;
    const scanner = new MetadataScanner();
    for (const module of modules.values()) {
      for (const wrapper of module.controllers.values()) {
        const instance = wrapper.instance as object | undefined;
        if (!instance || !wrapper.isDependencyTreeStatic()) continue;
        const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
        for (const key of scanner.getAllMethodNames(prototype)) {
          const extras: unknown = Reflect.getMetadata(PATTERN_EXTRAS_METADATA, prototype[key] as object);
          if (typeof extras !== 'object' || extras === null) continue;
          this.methods.set(extras, this.methods.has(extras) ? null : { instance, key });
        }
      }
    }
  }

  /** The direct call for the handler Nest registered with `extras`, or undefined when it needs the pipeline. */
  handlerFor(extras: unknown): DirectHandler | undefined {
    const method = typeof extras === 'object' && extras !== null ? this.methods.get(extras) : undefined;
    if (!method) return undefined;
    const { instance, key } = method;
    const target = (instance as Record<string, unknown>)[key];
    if (typeof target !== 'function') return undefined;
    if (ENHANCER_KEYS.some((k) => hasMetadata(k, instance.constructor) || hasMetadata(k, target))) {
      return undefined;
    }
    const params = plainParams(
      Reflect.getMetadata(PARAM_ARGS_METADATA, instance.constructor, key) as
        Record<string, ParamMetadata> | undefined,
    );
    if (!params) return undefined;
    return new DirectCall(
      (originalMethodOf(target) ?? target) as (...args: unknown[]) => unknown,
      instance,
      params,
    );
  }
}

class DirectCall implements DirectHandler {
  /** What Nest's pipeline would do with an error no filter of the user's caught: log it. */
  private readonly filter = new BaseRpcExceptionFilter();
  /** `(@Payload() payload, @Ctx() context)`, the common shape: called without building an argument list. */
  private readonly payloadThenContext: boolean;

  constructor(
    private readonly fn: (...args: unknown[]) => unknown,
    private readonly instance: object,
    private readonly params: readonly Param[],
  ) {
    const [first, second] = params;
    this.payloadThenContext =
      params.length === 2 &&
      first.kind === 'payload' &&
      first.property === undefined &&
      second.kind === 'context';
  }

  call(payload: unknown, context: EventBusContext): unknown {
    if (this.payloadThenContext) return this.fn.call(this.instance, payload, context);
    const args = this.params.map((p) =>
      p.kind === 'context'
        ? context
        : p.kind === 'payload'
          ? p.property === undefined
            ? payload
            : (payload as Record<PropertyKey, unknown> | null | undefined)?.[p.property]
          : undefined,
    );
    return this.fn.apply(this.instance, args);
  }

  logError(error: unknown): void {
    // The stream the filter returns (it would raise Nest's replacement error) is left unsubscribed.
    void this.filter.catch(error, undefined as never);
  }
}

type Param = { kind: 'payload'; property: PropertyKey | undefined } | { kind: 'context' } | { kind: 'none' };

/**
 * The method's parameters by position, as Nest would fill them (Nest's default without decorators: payload,
 * context); undefined when one has a pipe, a custom decorator or another type.
 */
function plainParams(metadata: Record<string, ParamMetadata> | undefined): Param[] | undefined {
  if (!metadata) return [{ kind: 'payload', property: undefined }, { kind: 'context' }];
  const entries = Object.entries(metadata);
  const params: Param[] = Array.from(
    { length: entries.length ? Math.max(...entries.map(([, m]) => m.index)) + 1 : 0 },
    () => ({ kind: 'none' }),
  );
  for (const [key, { index, data, pipes }] of entries) {
    if (pipes && pipes.length > 0) return undefined;
    const type = key.split(':')[0];
    if (type === CONTEXT) params[index] = { kind: 'context' };
    else if (type === PAYLOAD && (data === undefined || typeof data === 'string'))
      params[index] = { kind: 'payload', property: data || undefined };
    else return undefined;
  }
  return params;
}

/** The application's config, read from the container behind `moduleRef`; undefined when it cannot be read. */
export function applicationConfigOf(moduleRef: ModuleRef | undefined): ApplicationConfig | undefined {
  const container = (moduleRef as { container?: { applicationConfig?: ApplicationConfig } } | undefined)
    ?.container;
  return container?.applicationConfig;
}

/** True when the config holds a global enhancer, or a list of them cannot be read. */
function hasGlobalEnhancers(config: ApplicationConfig): boolean {
  const c = config as Partial<ApplicationConfig> & { getGlobalPreRequestHooks?: () => unknown[] };
  const lists = [
    c.getGlobalPipes?.(),
    c.getGlobalGuards?.(),
    c.getGlobalInterceptors?.(),
    c.getGlobalFilters?.(),
    c.getGlobalRequestPipes?.(),
    c.getGlobalRequestGuards?.(),
    c.getGlobalRequestInterceptors?.(),
    c.getGlobalRequestFilters?.(),
    // Nest 12 only: Nest 11 has no pre-request hooks.
    c.getGlobalPreRequestHooks ? c.getGlobalPreRequestHooks() : [],
  ];
  return lists.some((list) => !Array.isArray(list) || list.length > 0);
}

function hasMetadata(key: string, target: object): boolean {
  const value: unknown = Reflect.getMetadata(key, target);
  return Array.isArray(value) ? value.length > 0 : value !== undefined;
}
