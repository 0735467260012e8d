import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  type CustomTransportStrategy,
  type MessageHandler,
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
import { decodeEnvelope } from '../envelope/envelope-codec';
import { decodeRaw } from '../envelope/raw-message-codec';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import { AckDecision } from '../policy/ack-decision';
import { describeError } from '../errors/describe-value';
import { decisionForError, decisionForResult } from '../policy/decide';
import { createTransport } from '../transports/create-transport';
import type {
  DeliverySemantics,
  InboundMessage,
  SubscriptionSpec,
  Transport,
} from '../transports/transport.port';
import type { DomainEventOptions } from './domain-event.decorator';
import { DOMAIN_EVENT_EXTRA, EVENT_BUS_OPTIONS, EVENT_BUS_TRANSPORT } from './event-bus.constants';
import { EventBusContext } from './event-bus.context';

/** Lifecycle of `EventBusServer`, emitted by `server.status`. */
export type EventBusStatus = 'connecting' | 'connected' | 'closing' | 'disconnected';

/** What `server.on(event, callback)` reports: every dispatcher outcome, and transport errors. */
export type EventBusServerEvents = Record<DispatcherEventType, (event: DispatcherEvent) => void> & {
  error: (error: unknown) => void;
};

interface Route {
  readonly topic: string;
  readonly semantics: DeliverySemantics;
  readonly maxAttempts: number | undefined;
}

/**
 * The Nest custom transport. Consumes every topic that has a `@DomainEvent` (envelope semantics) or a raw
 * `@EventPattern` handler, hands each message to the ordered dispatcher, and turns the handler's outcome —
 * after Nest's pipes, guards, interceptors and exception filters — into an acknowledgement decision.
 *
 * Register it with `app.connectMicroservice({ strategy: app.get(EventBusServer) }, { inheritAppConfig: true })`.
 * `close()` (run by Nest before module destroy hooks) stops intake, drains running handlers for up to
 * `dispatcher.shutdownTimeoutMs`, commits, then disconnects.
 */
@Injectable()
export class EventBusServer
  extends Server<EventBusServerEvents, EventBusStatus>
  implements CustomTransportStrategy
{
  override readonly propagatesEventHandlerErrors = true;
  override readonly transportId = EVENT_BUS_TRANSPORT;
  protected override readonly logger = new Logger('EventBusServer');
  private transport: Transport | undefined;
  private dispatcher: Dispatcher | undefined;
  private readonly routes = new Map<string, Route>();
  private readonly listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private filterWarningShown = false;

  constructor(@Inject(EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions) {
    super();
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

  async close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
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
   * Runs every handler registered for the pattern and resolves with the decision; never rejects. The
   * handler's returned value or stream is always subscribed, so failures (and what exception filters make of
   * them) are never lost. Nest's processing hooks run around it.
   */
  override handleEvent(pattern: string, packet: ReadPacket, context: EventBusContext): Promise<AckDecision> {
    // Routes are registered under their normalized pattern: a direct lookup skips Nest's per-call JSON.parse.
    const handler = this.messageHandlers.get(pattern) ?? this.getHandlerByPattern(pattern);
    if (!handler) return Promise.resolve(AckDecision.discard(`no handler for "${pattern}"`));
    return new Promise<AckDecision>((resolve) => {
      try {
        // Typed void, but a user's processing hook may return a promise that rejects.
        const hooks: unknown = this.runWithProcessingHooks(context, async (runEndHook) => {
          try {
            resolve(await this.runHandlers(handler, packet.data, context));
          } catch (error) {
            resolve(decisionForError(error));
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

  private async runHandlers(
    handler: MessageHandler,
    data: unknown,
    context: EventBusContext,
  ): Promise<AckDecision> {
    for (let current: MessageHandler | undefined = handler; current; current = current.next) {
      let decision: AckDecision;
      try {
        const result = await current(data, context);
        // Subscribe to a stream (a filter's result, an interceptor's, or the handler's own); plain values are final.
        const value = isObservable(result)
          ? await lastValueFrom(result, { defaultValue: undefined })
          : result;
        decision = decisionForResult(value);
      } catch (error) {
        this.warnIfFilterMissing(error);
        decision = decisionForError(error);
      }
      if (decision.kind !== 'ack') return decision;
    }
    return AckDecision.ack();
  }

  private async start(): Promise<void> {
    this._status$.next('connecting');
    this.collectRoutes();
    const { dispatcher: limits, retry, deadLetterSuffix } = this.options;
    const transport = await createTransport(this.options, {
      deadLetterSuffix,
      maxBuffered: limits.maxBuffered,
      publishTimeoutMs: this.options.publishTimeoutMs,
      logger: this.logger,
    });
    this.transport = transport;
    this.dispatcher = new Dispatcher(
      { ...limits, retry, deadLetterEnabled: deadLetterSuffix !== undefined },
      {
        onPressure: (saturated) => (saturated ? transport.pause() : transport.resume()),
        onEvent: (event) => this.report(event),
      },
    );
    await transport.connect();
    const subscriptions: SubscriptionSpec[] = [...this.routes.values()].map(({ topic, semantics }) => ({
      topic,
      semantics,
    }));
    if (subscriptions.length > 0) await transport.consume(subscriptions, (message) => this.accept(message));
    this._status$.next('connected');
    this.logger.log(
      `listening on ${transport.name}: ${subscriptions.map((s) => `${s.topic} (${s.semantics})`).join(', ') || 'no topics'}`,
    );
  }

  private async shutdown(): Promise<void> {
    // A close() during start waits for it, so nothing starts consuming after the server closed.
    await this.starting?.catch(() => undefined);
    this._status$.next('closing');
    try {
      await this.transport?.stopConsuming();
      await this.dispatcher?.close(this.options.dispatcher.shutdownTimeoutMs);
      await this.transport?.close();
    } finally {
      this._status$.next('disconnected');
    }
  }

  /** Reads the handlers Nest registered: `@DomainEvent` ones by their extras, the rest as raw topics. */
  private collectRoutes(): void {
    this.routes.clear();
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler) {
        this.logger.warn(
          `@MessagePattern("${pattern}") is not supported by EventBusServer (events only); ignored`,
        );
        continue;
      }
      const kinds = new Set<DeliverySemantics>();
      let maxAttempts: number | undefined;
      for (let h: MessageHandler | undefined = handler; h; h = h.next) {
        const domain = h.extras?.[DOMAIN_EVENT_EXTRA] as DomainEventOptions | undefined;
        kinds.add(domain ? 'domain-event' : 'raw');
        maxAttempts = domain?.maxAttempts ?? maxAttempts;
      }
      if (kinds.size > 1) {
        throw new InvalidOptionsError(
          `handlers of "${pattern}"`,
          'either all @DomainEvent or all @EventPattern (one delivery semantics per topic)',
          [...kinds],
        );
      }
      this.routes.set(pattern, { topic: pattern, semantics: [...kinds][0], maxAttempts });
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
      if (route.semantics === 'domain-event') {
        const envelope = decodeEnvelope(message.value, message.headers);
        data = envelope;
        aggregateId = envelope.aggregateId;
      } else {
        data = decodeRaw(message.value, message.headers);
        aggregateId = message.key;
      }
    } catch (error) {
      const reason = `undecodable message: ${describeError(error)}`;
      const decision =
        route.semantics === 'domain-event' ? AckDecision.deadLetter(reason) : AckDecision.discard(reason);
      dispatcher.submit(this.settledJob(message, route.semantics, decision));
      return;
    }
    const transportName = this.transport!.name;
    dispatcher.submit({
      message,
      semantics: route.semantics,
      orderingKey: aggregateId === undefined ? undefined : `${message.topic}\u0000${aggregateId}`,
      maxAttempts: route.maxAttempts,
      run: (attempt) =>
        this.handleEvent(
          route.topic,
          { pattern: route.topic, data },
          new EventBusContext([message, attempt, transportName, aggregateId]),
        ),
    });
  }

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
    const where = `${topic}#${sequence} (attempt ${event.attempt})`;
    switch (event.type) {
      case 'dead-lettered':
      case 'dropped':
      case 'timed-out':
        this.logger.warn(`${event.type}: ${where}: ${event.reason ?? ''}`);
        break;
      case 'settlement-failed':
        this.logger.error(`${event.type}: ${where}: ${event.reason ?? ''}`);
        break;
      case 'discarded':
      case 'retry-scheduled':
        this.logger.debug?.(`${event.type}: ${where}: ${event.reason ?? ''}`);
        break;
    }
    for (const callback of this.listeners.get(event.type) ?? []) {
      try {
        callback(event);
      } catch (error) {
        this.logger.error(`listener of "${event.type}" threw: ${describeError(error)}`);
      }
    }
  }

  /** Nest's default RPC filter replaced the error: the library's filter is not active for this server. */
  private warnIfFilterMissing(error: unknown): void {
    if (this.filterWarningShown) return;
    const e = error as { status?: unknown; message?: unknown } | null;
    if (e && typeof e === 'object' && e.status === 'error' && e.message === 'Internal server error') {
      this.filterWarningShown = true;
      this.logger.warn(
        'A handler error reached EventBusServer as "Internal server error": EventBusExceptionFilter is not active, ' +
          'so RetryableError/DeadLetterError/DiscardError lose their meaning. Connect with ' +
          '{ inheritAppConfig: true } or call app.useGlobalFilters(new EventBusExceptionFilter()).',
      );
    }
  }
}
