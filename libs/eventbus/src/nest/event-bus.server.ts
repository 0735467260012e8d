import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import {
  type CustomTransportStrategy,
  type MessageHandler,
  type MsPattern,
  type ReadPacket,
  Server,
} from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { Dispatcher } from '../dispatcher/dispatcher';
import type { DispatchJob } from '../dispatcher/dispatch-job';
import type {
  DispatcherCounters,
  DispatcherEvent,
  DispatcherEventType,
} from '../dispatcher/dispatcher-events';
import { decodeReceivedEnvelope } from '../envelope/envelope-codec';
import { decodeRaw } from '../envelope/raw-message-codec';
import { readDeliveredDeadLetter } from '../dead-letters/dead-letter';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { SettlementError } from '../errors/settlement.error';
import { ConsumerObserver } from '../observability/consumer-observer';
import { LagProbe } from '../observability/lag-probe';
import type { StallSample } from '../observability/metrics-source';
import { Observability } from '../observability/observability';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import { checkTopicName } from '../options/topic-rules';
import { AckDecision } from '../policy/ack-decision';
import { describeError } from '../errors/describe-value';
import { decisionForError, decisionForResult } from '../policy/decide';
import type {
  DeliverySemantics,
  InboundMessage,
  SubscriptionSpec,
  Transport,
  TransportHealth,
} from '../transports/transport.port';
import type { DomainEventOptions } from './domain-event.decorator';
import { EventBusConnection } from './event-bus.connection';
import {
  DEAD_LETTERS_EXTRA,
  DOMAIN_EVENT_EXTRA,
  EVENT_BUS_OPTIONS,
  EVENT_BUS_TRANSPORT,
} from './event-bus.constants';
import { EventBusContext } from './event-bus.context';
import { applicationConfigOf, DirectHandlers, type DirectHandler } from './direct-handlers';
import { forgetCall, rememberCall } from './original-error.capture';
import { type Route, RoutedJob, type RoutedJobRunner } from './routed-job';
import { isPromiseLike } from './tap-errors';
import { hasProcessingHooks, processingStartHookOf, runWithProcessingHooks } from './processing-hooks';

/** Lifecycle of `EventBusServer`, emitted by `server.status`. */
export type EventBusStatus = 'connecting' | 'connected' | 'closing' | 'disconnected';

/** What `EventBusHealthIndicator` reads: the server's state, its transport's, and its oldest unsettled message. */
export interface EventBusServerHealth {
  readonly status: EventBusStatus | 'idle';
  /** Undefined before `listen()`. */
  readonly transport: TransportHealth | undefined;
  /** The message unsettled the longest, over all topics; undefined when nothing is buffered. */
  readonly oldestUnsettled: StallSample | undefined;
}

/**
 * What `server.on(event, callback)` reports: every dispatcher outcome, and `error` for every failed settlement
 * (a dead-letter write the broker refused, a failed ack or release) while it is retried or released.
 */
export type EventBusServerEvents = Record<DispatcherEventType, (event: DispatcherEvent) => void> & {
  error: (error: Error) => void;
};

/** Gives each handler call of one attempt its payload. */
interface PayloadSource {
  nextPayload(): unknown;
}

/** One handler of a pattern: called directly (nothing bound to it), or through Nest's pipeline. */
type HandlerCall =
  { readonly direct: DirectHandler } | { readonly direct?: undefined; readonly nest: MessageHandler };

/**
 * The Nest custom transport. Consumes every topic that has a `@DomainEvent` (envelope semantics), `@RawEvent` or
 * plain `@EventPattern` handler (raw semantics), hands each message to the ordered dispatcher, and turns the
 * handlers' outcome — after Nest's guards, pipes, interceptors and exception filters — into an acknowledgement
 * decision. A handler with none of those bound is called directly, without Nest's pipeline (`DirectHandlers`).
 *
 * Several handlers of one topic run one after another in declaration order, each at most once per attempt; the
 * next starts only after the previous succeeded, and the first that does not succeed (a throw, or a returned
 * `AckDecision` other than ack) decides. A retry runs them all again from the first.
 *
 * Register it with `app.connectMicroservice({ strategy: app.get(EventBusServer) }, { inheritAppConfig: true })`.
 * Shutdown: `drain()` stops intake and lets running handlers finish for up to `dispatcher.shutdownTimeoutMs`
 * (then releases what is left); it runs in this module's `onModuleDestroy`, before any other module's shutdown
 * hooks. `close()` (run by Nest after those hooks) drains if that has not happened, commits, and disconnects.
 */
@Injectable()
export class EventBusServer
  extends Server<EventBusServerEvents, EventBusStatus>
  implements CustomTransportStrategy, OnModuleDestroy
{
  override readonly propagatesEventHandlerErrors = true;
  override readonly transportId = EVENT_BUS_TRANSPORT;
  protected override readonly logger = new Logger('EventBusServer');
  private transport: Transport | undefined;
  private dispatcher: Dispatcher | undefined;
  private readonly routes = new Map<string, Route>();
  /** Every handler of a pattern, in declaration order (Nest would chain them through `next` and run them at once). */
  private readonly handlersByPattern = new Map<string, MessageHandler[]>();
  /** How each handler of a pattern is called, decided at start (`DirectHandlers`). */
  private readonly callsByPattern = new Map<string, HandlerCall[]>();
  private readonly listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  private starting: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private state: EventBusStatus | 'idle' = 'idle';
  private readonly observer: ConsumerObserver;
  private lag: LagProbe | undefined;
  private removeMetricsSource: (() => void) | undefined;
  /** Nest's processing start hook as constructed: while it is unchanged, events run without the hooks. */
  private readonly defaultStartHook: unknown;

  constructor(
    @Inject(EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions,
    private readonly connection: EventBusConnection,
    private readonly observability: Observability,
    private readonly modules?: ModulesContainer,
    private readonly moduleRef?: ModuleRef,
  ) {
    super();
    this.defaultStartHook = processingStartHookOf(this);
    this.observer = new ConsumerObserver(observability);
  }

  /** A snapshot for health checks; never throws. */
  health(): EventBusServerHealth {
    let oldest: StallSample | undefined;
    for (const sample of this.oldestUnsettled()) {
      if (!oldest || sample.seconds > oldest.seconds) oldest = sample;
    }
    return { status: this.state, transport: this.transport?.health(), oldestUnsettled: oldest };
  }

  /** Outcome counters since start (handled, retry-scheduled, dead-lettered, dropped, discarded, ...). */
  get counters(): Readonly<DispatcherCounters> | undefined {
    return this.dispatcher?.counters;
  }

  listen(callback: (error?: unknown) => void): void {
    this.starting = this.start();
    this.starting.then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /**
   * Stops intake and waits for running handlers (at most `dispatcher.shutdownTimeoutMs`, then they are aborted
   * and their messages released for redelivery); the connection stays open. Idempotent.
   */
  drain(): Promise<void> {
    this.draining ??= this.stopAndDrain();
    return this.draining;
  }

  /** Drains first thing at application shutdown (this module's hooks run before the others'). */
  async onModuleDestroy(): Promise<void> {
    await this.drain();
  }

  /** Drains, then commits, releases what is left and closes the module's connection. Idempotent. */
  async close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Registers a handler as Nest's `Server.addHandler` does, except that several event handlers of one pattern
   * are kept as a list instead of a `next` chain, which Nest's event handlers would run all at once.
   */
  override addHandler(
    pattern: MsPattern,
    callback: MessageHandler,
    isEventHandler = false,
    extras: Record<string, unknown> = {},
  ): void {
    const normalized = this.normalizePattern(pattern);
    callback.isEventHandler = isEventHandler;
    callback.extras = extras;
    const handlers = this.handlersByPattern.get(normalized);
    if (handlers && isEventHandler) {
      handlers.push(callback);
      return;
    }
    this.handlersByPattern.set(normalized, [callback]);
    this.messageHandlers.set(normalized, callback);
  }

  on<K extends keyof EventBusServerEvents>(event: K, callback: EventBusServerEvents[K]): void {
    const list = this.listeners.get(event as string) ?? [];
    list.push(callback as (...args: unknown[]) => void);
    this.listeners.set(event as string, list);
  }

  /** The transport adapter (for experts); throws before `listen()`. */
  unwrap<T = Transport>(): T {
    if (!this.transport) throw new Error('EventBusServer is not listening yet');
    return this.transport as T;
  }

  /**
   * Runs the handlers registered for the pattern (see the class comment) and resolves with the decision; never
   * rejects. Each handler's returned value or stream is subscribed, so failures (and what exception filters make
   * of them) are never lost. Nest's processing hooks, when set, run around it.
   */
  override handleEvent(
    pattern: string,
    packet: ReadPacket,
    context: EventBusContext,
    payloads: PayloadSource = { nextPayload: () => packet.data },
  ): Promise<AckDecision> {
    const handlers =
      this.callsByPattern.get(pattern) ??
      this.handlersByPattern.get(pattern)?.map((nest): HandlerCall => ({ nest }));
    if (!handlers) return Promise.resolve(AckDecision.discard(`no handler for "${pattern}"`));
    if (!hasProcessingHooks(this, this.defaultStartHook))
      return this.runHandlers(handlers, payloads, context);
    return new Promise<AckDecision>((resolve) => {
      try {
        // Typed void, but a user's processing hook may return a promise that rejects.
        const hooks: unknown = runWithProcessingHooks(this, context, async (runEndHook) => {
          try {
            resolve(await this.runHandlers(handlers, payloads, context));
          } finally {
            runEndHook();
          }
        });
        if (hooks instanceof Promise) {
          hooks.catch((error: unknown) =>
            this.logger.error(`processing hook failed: ${describeError(error)}`),
          );
        }
      } catch (error) {
        resolve(decisionForError(error));
      }
    });
  }

  /** Runs the handlers one after another until one does not succeed; never rejects. */
  private async runHandlers(
    handlers: readonly HandlerCall[],
    payloads: PayloadSource,
    context: EventBusContext,
  ): Promise<AckDecision> {
    for (const handler of handlers) {
      let decision: AckDecision;
      let payload: unknown;
      let inner: object | undefined;
      context.takeNotedError();
      try {
        payload = payloads.nextPayload();
        let called: unknown;
        if (handler.direct) called = handler.direct.call(payload, context);
        else {
          inner = rememberCall(payload, context);
          called = handler.nest(payload, context);
        }
        const result = isPromiseLike(called) ? await called : called;
        // Subscribe to a stream (a filter's result, an interceptor's, or the handler's own); plain values are final.
        const value = isObservable(result)
          ? await lastValueFrom(result, { defaultValue: undefined })
          : result;
        decision = decisionForResult(value);
      } catch (error) {
        handler.direct?.logError(error);
        decision = decisionForError(originalError(error, context));
      } finally {
        forgetCall(payload, inner);
      }
      if (decision.kind !== 'ack') return decision;
    }
    return AckDecision.ack();
  }

  private setStatus(status: EventBusStatus): void {
    this.state = status;
    this._status$.next(status);
  }

  /** Per topic, the message unsettled the longest and its aggregate. */
  private oldestUnsettled(): StallSample[] {
    const heads = this.dispatcher?.oldestHeads();
    if (!heads) return [];
    return [...heads].map(([topic, { job, ageMs }]) => ({
      topic,
      aggregateId: job.orderingKey?.slice(job.orderingKey.indexOf('\u0000') + 1),
      seconds: ageMs / 1_000,
    }));
  }

  private async start(): Promise<void> {
    this.setStatus('connecting');
    this.collectRoutes();
    const { dispatcher: limits, retry, deadLetterSuffix } = this.options;
    for (const topic of this.routes.keys()) checkTopicName(this.options.transport, topic, deadLetterSuffix);
    const transport = await this.connection.get('listen');
    this.transport = transport;
    this.dispatcher = new Dispatcher(
      {
        ...limits,
        retry,
        deadLetterEnabled: deadLetterSuffix !== undefined,
        deadLetterStack: this.options.deadLetterStack,
      },
      {
        onPressure: (saturated) => (saturated ? transport.pause() : transport.resume()),
        onEvent: (event) => this.report(event),
      },
    );
    const subscriptions: SubscriptionSpec[] = [...this.routes.values()].map(({ topic, semantics }) => ({
      topic,
      semantics,
    }));
    if (subscriptions.length > 0)
      await transport.consume(subscriptions, (message) => this.accept(message), this.dispatcher);
    this.observeGauges(transport, this.dispatcher);
    this.setStatus('connected');
    this.logger.log(
      `listening on ${transport.name}: ${subscriptions.map((s) => `${s.topic} (${s.semantics})`).join(', ') || 'no topics'}`,
    );
  }

  private async stopAndDrain(): Promise<void> {
    // A drain during start waits for it, so nothing starts consuming after the server stopped.
    await this.starting?.catch(() => undefined);
    this.setStatus('closing');
    await this.transport?.stopConsuming();
    const dispatcher = this.dispatcher;
    if (!dispatcher) return;
    const unsettled = await dispatcher.close(this.options.dispatcher.shutdownTimeoutMs);
    if (unsettled > 0) {
      this.logger.log(`drained; ${unsettled} message(s) left unsettled, delivered again after a restart`);
    }
  }

  private async shutdown(): Promise<void> {
    try {
      await this.drain();
      await this.connection.close();
    } finally {
      this.lag?.stop();
      this.removeMetricsSource?.();
      this.setStatus('disconnected');
    }
  }

  /** With metrics on, reports the dispatcher's gauges, the consumer lag and stalls at every scrape. */
  private observeGauges(transport: Transport, dispatcher: Dispatcher): void {
    const metrics = this.observability.metrics;
    if (!metrics) return;
    const lag = (this.lag = new LagProbe(transport, this.options.observability.lagIntervalMs));
    lag.start();
    this.removeMetricsSource = metrics.addSource({
      buffered: () => dispatcher.buffered,
      running: () => dispatcher.runningAttempts,
      activeAggregates: () => dispatcher.liveMailboxes,
      lag: () => lag.latest,
      oldestUnsettled: () => this.oldestUnsettled(),
    });
  }

  /** Reads the handlers Nest registered: `@DomainEvent` ones by their extras, the rest as raw topics. */
  private collectRoutes(): void {
    this.routes.clear();
    this.callsByPattern.clear();
    const direct = this.modules
      ? new DirectHandlers(this.modules, applicationConfigOf(this.moduleRef))
      : undefined;
    for (const [pattern, handlers] of this.handlersByPattern) {
      if (!handlers[0].isEventHandler) {
        this.logger.warn(
          `@MessagePattern("${pattern}") is not supported by EventBusServer (events only); ignored`,
        );
        continue;
      }
      const kinds = new Set<DeliverySemantics>();
      let maxAttempts: number | undefined;
      for (const h of handlers) {
        const domain = h.extras?.[DOMAIN_EVENT_EXTRA] as DomainEventOptions | undefined;
        kinds.add(domain ? 'domain-event' : 'raw');
        maxAttempts = domain?.maxAttempts ?? maxAttempts;
      }
      if (kinds.size > 1) {
        throw new InvalidOptionsError(`handlers of "${pattern}"`, 'one delivery semantics', [...kinds], {
          message:
            `Handlers of topic "${pattern}" mix @DomainEvent with @RawEvent or @EventPattern: a topic has one ` +
            'delivery semantics. Put @DomainEvent on all of its handlers, or @RawEvent on all of them.',
        });
      }
      const route = deadLettersRoute(pattern, handlers, this.options.deadLetterSuffix) ?? {
        pattern,
        topic: pattern,
        semantics: [...kinds][0],
        maxAttempts,
        deadLetters: false,
      };
      if (this.routes.has(route.topic)) {
        throw new InvalidOptionsError(
          `handlers of "${route.topic}"`,
          'either @DeadLetters of its topic or handlers of the dead-letter topic itself, not both',
          pattern,
        );
      }
      this.routes.set(route.topic, route);
      this.callsByPattern.set(
        pattern,
        handlers.map((nest): HandlerCall => {
          const call = direct?.handlerFor(nest.extras);
          return call ? { direct: call } : { nest };
        }),
      );
    }
  }

  /** Turns a delivered message into a dispatch job; never throws. */
  private accept(message: InboundMessage): void {
    const dispatcher = this.dispatcher!;
    const route = this.routes.get(message.topic);
    if (!route) {
      dispatcher.submit(
        this.settledJob(message, 'raw', AckDecision.discard(`no route for "${message.topic}"`)),
      );
      return;
    }
    let data: unknown;
    let aggregateId: string | undefined;
    try {
      if (route.deadLetters) {
        const partition = message.partition === undefined ? '' : `${message.partition}:`;
        data = readDeliveredDeadLetter(message, `${partition}${message.sequence}`);
        aggregateId = (data as { key?: string }).key;
      } else if (route.semantics === 'domain-event') {
        const envelope = decodeReceivedEnvelope(message.value, message);
        data = envelope;
        aggregateId = envelope.aggregateId;
      } else {
        data = decodeRaw(message.value, message.headers);
        aggregateId = message.key;
      }
    } catch (error) {
      const reason = `undecodable message: ${describeError(error)}`;
      const decision =
        route.semantics === 'domain-event'
          ? AckDecision.deadLetter(reason, { error })
          : AckDecision.discard(reason);
      dispatcher.submit(this.settledJob(message, route.semantics, decision));
      return;
    }
    dispatcher.submit(new RoutedJob(message, route, data, aggregateId, this.jobRunner));
  }

  /** Where every routed job runs its attempts: observed, then through `handleEvent`. */
  private readonly jobRunner: RoutedJobRunner = {
    run: (job, attempt) => this.observer.attempt(job, attempt),
    handle: (job, attempt) =>
      this.handleEvent(
        job.route.pattern,
        job.packet,
        new EventBusContext([job.message, attempt, this.transport!.name, job.aggregateId]),
        job,
      ),
  };

  /** A job whose decision is known before any handler runs (undecodable or unrouted input). */
  private settledJob(
    message: InboundMessage,
    semantics: DeliverySemantics,
    decision: AckDecision,
  ): DispatchJob {
    return { message, semantics, orderingKey: undefined, run: async () => decision };
  }

  private report(event: DispatcherEvent): void {
    const { topic, sequence } = event.job.message;
    switch (event.type) {
      case 'dead-lettered':
      case 'dropped':
      case 'timed-out':
      case 'abandoned':
        this.logger.warn(logLine(event));
        break;
      case 'settlement-failed':
        this.logger.error(logLine(event));
        this.notify('error', new SettlementError(topic, sequence, event.reason ?? 'settlement failed'));
        break;
      case 'discarded':
      case 'retry-scheduled':
        this.logger.debug?.(logLine(event));
        break;
    }
    this.observer.event(event);
    this.notify(event.type, event);
  }

  private notify(type: string, payload: unknown): void {
    const callbacks = this.listeners.get(type);
    if (!callbacks) return;
    for (const callback of callbacks) {
      try {
        callback(payload);
      } catch (error) {
        this.logger.error(`listener of "${type}" threw: ${describeError(error)}`);
      }
    }
  }
}

/**
 * The route of `@DeadLetters(topic)` handlers: `<topic><suffix>`, at-least-once. Undefined for other handlers;
 * throws `InvalidOptionsError` while dead-lettering is off.
 */
function deadLettersRoute(
  pattern: string,
  handlers: readonly MessageHandler[],
  suffix: string | undefined,
): Route | undefined {
  const original = handlers[0].extras?.[DEAD_LETTERS_EXTRA] as string | undefined;
  if (original === undefined) return undefined;
  if (suffix === undefined) {
    throw new InvalidOptionsError('deadLetter', 'on (not false) for @DeadLetters handlers', false, {
      source: `@DeadLetters(${JSON.stringify(original)})`,
    });
  }
  const topic = `${original}${suffix}`;
  return { pattern, topic, semantics: 'domain-event', maxAttempts: undefined, deadLetters: true };
}

/** How a dispatcher event is logged: `<type>: <topic>#<sequence> (attempt <n>): <reason>`. */
function logLine(event: DispatcherEvent): string {
  const { topic, sequence } = event.job.message;
  return `${event.type}: ${topic}#${sequence} (attempt ${event.attempt}): ${event.reason ?? ''}`;
}

/**
 * The error a handler call ended with, as the decision should see it: when no user filter matched and Nest's
 * default RPC filter replaced the error by `{ status: 'error', message: 'Internal server error' }`, the original
 * noted by `noteOriginalErrors` (so `RetryableError`, `DeadLetterError`, `DiscardError` and `AckDecision`
 * keep their meaning and the reason its message); otherwise what the filters passed on.
 */
function originalError(error: unknown, context: EventBusContext): unknown {
  const noted = context.takeNotedError();
  if (!noted || error instanceof Error || error === null || typeof error !== 'object') return error;
  const { status, message } = error as { status?: unknown; message?: unknown };
  return status === 'error' && message === 'Internal server error' ? noted.error : error;
}
