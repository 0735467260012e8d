import { InvalidOptionsError } from '../errors/invalid-options.error';
import type {
  KafkaTransportOptions,
  ResolvedKafkaOptions,
} from '../transports/kafka/kafka-transport.options';
import { resolveKafkaOptions } from '../transports/kafka/kafka-transport.options';
import type { NatsTransportOptions, ResolvedNatsOptions } from '../transports/nats/nats-transport.options';
import { resolveNatsOptions } from '../transports/nats/nats-transport.options';
import type { TransportName } from '../transports/transport.port';
import {
  resolveObservabilityOptions,
  type ObservabilityOptions,
  type ResolvedObservabilityOptions,
} from '../observability/observability.options';
import {
  resolveOutboxOptions,
  type OutboxOptions,
  type ResolvedOutboxOptions,
} from '../outbox/outbox.options';
import { check } from './option-checks';
import { OPTION_KEYS } from './option-keys';
import { checkDeadLetterSuffix } from './topic-rules';
import { checkedSection, rejectUnknownKeys } from './unknown-keys';

/** Dispatcher limits. */
export interface DispatcherOptions {
  /** Handlers running at once, across all aggregates. Default `256`. */
  maxConcurrency?: number;
  /** Messages held in memory (running, waiting or retrying); intake pauses at this limit. Default `10000`. */
  maxBuffered?: number;
  /** An attempt that runs longer fails like a thrown error and `ctx.signal` is aborted (ms). Default `30000`. */
  handlerTimeoutMs?: number;
  /**
   * After `handlerTimeoutMs`, how long a handler that ignores `ctx.signal` keeps its aggregate (no retry and no
   * later event of it starts) and its concurrency slot (ms). Then it is abandoned: reported as `abandoned`, its
   * result ignored, and its event retried (or dead-lettered) while the call may still run. Default:
   * `handlerTimeoutMs`, at most `30000`.
   */
  timeoutGraceMs?: number;
  /** `close()` waits this long for running handlers before it releases what is left (ms). Default `10000`. */
  shutdownTimeoutMs?: number;
}

/** In-process retry of failed domain events (only the failing aggregate waits). */
export interface RetryOptions {
  /** Attempts before a domain event is dead-lettered, the first included. Default `5`. */
  maxAttempts?: number;
  /** Delay before the second attempt (ms). Default `200`. */
  initialDelayMs?: number;
  /** Upper bound of any delay (ms). Default `30000`. */
  maxDelayMs?: number;
  /** Growth factor per attempt. Default `2`. */
  multiplier?: number;
  /** Random spread: each delay is multiplied by a factor in [1 - jitter, 1 + jitter]. Default `0.2`. */
  jitter?: number;
}

/** Dead-letter destinations: `<topic><suffix>`. `false` turns dead-lettering off (raw messages are dropped). */
export interface DeadLetterOptions {
  /** Default `'.dlq'`: `orders` -> `orders.dlq`. */
  suffix?: string;
  /** Write the error's stack into the `x-dead-letter-error-stack` header. Default `false`. */
  includeStack?: boolean;
}

/** Memory transport options. */
export interface MemoryTransportOptions {
  /** Name of the in-process broker; servers and publishers with the same name share topics. Default `'default'`. */
  broker?: string;
  /** Consumer group of this server. Default `'default'`. */
  group?: string;
}

/** `EventBusModule.forRoot(options)`. Every field is optional; defaults are listed per field. */
export interface EventBusModuleOptions {
  /** Default `'memory'` (embedded, in-process). */
  transport?: TransportName;
  kafka?: KafkaTransportOptions;
  nats?: NatsTransportOptions;
  memory?: MemoryTransportOptions;
  dispatcher?: DispatcherOptions;
  retry?: RetryOptions;
  deadLetter?: DeadLetterOptions | false;
  /**
   * Every publish (`EventBus`, `EventBusClient`, dead-letter writes) resolves or rejects with
   * `PublishTimeoutError` within this many ms. Default `30000`.
   */
  publishTimeoutMs?: number;
  /** Metrics (prom-client), tracing (@opentelemetry/api) and the health indicator's stall threshold. */
  observability?: ObservabilityOptions;
  /**
   * Transactional outbox on PostgreSQL: `publishDomainEvent(topic, event, { transaction })` writes to a table in
   * the caller's transaction and a relay publishes committed rows per aggregate in version order. Default: off.
   */
  outbox?: OutboxOptions;
}

export interface ResolvedEventBusOptions {
  transport: TransportName;
  kafka?: ResolvedKafkaOptions;
  nats?: ResolvedNatsOptions;
  memory: Required<MemoryTransportOptions>;
  dispatcher: Required<DispatcherOptions>;
  retry: Required<RetryOptions>;
  /** Undefined when dead-lettering is off. */
  deadLetterSuffix: string | undefined;
  /** `deadLetter.includeStack`; false when dead-lettering is off. */
  deadLetterStack: boolean;
  publishTimeoutMs: number;
  observability: ResolvedObservabilityOptions;
  /** Undefined when there is no outbox. */
  outbox: ResolvedOutboxOptions | undefined;
}

/** Why a JetStream retention other than `'limits'` loses dead letters. */
const RETENTION_PROBLEMS: Record<'interest' | 'workqueue', string> = {
  interest:
    'an interest stream drops what no consumer is bound to, so dead letters nobody consumes yet (and events ' +
    'published before their consumer exists) are lost.',
  workqueue:
    'a workqueue stream deletes each message once one consumer acknowledged it and refuses overlapping ' +
    'consumers, so dead letters cannot be kept for inspection and replay.',
};

/**
 * Applies defaults and validates; throws `InvalidOptionsError` naming the option and what is allowed. Unknown
 * keys are rejected at every level (except inside `kafka.client`, passed to kafkajs as is); the dead-letter
 * suffix is checked against the chosen broker's rules; NATS `retention` other than `'limits'` is refused
 * while dead-lettering is on.
 */
export function resolveEventBusOptions(options: EventBusModuleOptions = {}): ResolvedEventBusOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionsError('(options)', 'an object', options);
  }
  rejectUnknownKeys('', options, OPTION_KEYS.top);
  const transport = check.oneOf('transport', options.transport ?? 'memory', ['memory', 'kafka', 'nats']);
  const d = checkedSection('dispatcher', options.dispatcher, OPTION_KEYS.dispatcher);
  const r = checkedSection('retry', options.retry, OPTION_KEYS.retry);
  const memory = checkedSection('memory', options.memory, OPTION_KEYS.memory);
  const kafka = checkedSection('kafka', options.kafka, OPTION_KEYS.kafka);
  const nats = checkedSection('nats', options.nats, OPTION_KEYS.nats);
  const retry = {
    maxAttempts: check.integer('retry.maxAttempts', r.maxAttempts ?? 5, 1, 1_000),
    initialDelayMs: check.durationMs('retry.initialDelayMs', r.initialDelayMs ?? 200, 0),
    maxDelayMs: check.durationMs('retry.maxDelayMs', r.maxDelayMs ?? 30_000, 0),
    multiplier: check.number('retry.multiplier', r.multiplier ?? 2, 1, 100),
    jitter: check.number('retry.jitter', r.jitter ?? 0.2, 0, 1),
  };
  if (retry.maxDelayMs < retry.initialDelayMs) {
    throw new InvalidOptionsError(
      'retry.maxDelayMs',
      `>= retry.initialDelayMs (${retry.initialDelayMs})`,
      retry.maxDelayMs,
    );
  }
  const handlerTimeoutMs = check.durationMs('dispatcher.handlerTimeoutMs', d.handlerTimeoutMs ?? 30_000, 1);
  let deadLetterSuffix: string | undefined;
  let deadLetterStack = false;
  if (options.deadLetter !== false) {
    const deadLetter = checkedSection('deadLetter', options.deadLetter, OPTION_KEYS.deadLetter);
    deadLetterSuffix = check.nonEmptyString('deadLetter.suffix', deadLetter.suffix ?? '.dlq');
    deadLetterStack = check.boolean('deadLetter.includeStack', deadLetter.includeStack ?? false);
    checkDeadLetterSuffix(transport, deadLetterSuffix);
  }
  const resolvedNats = transport === 'nats' ? resolveNatsOptions(nats) : undefined;
  if (resolvedNats && deadLetterSuffix !== undefined && resolvedNats.retention !== 'limits') {
    throw new InvalidOptionsError(
      'nats.retention',
      "'limits' while dead-lettering is on",
      resolvedNats.retention,
      {
        message:
          `EventBusModule option "nats.retention" is '${resolvedNats.retention}' while dead-lettering is on: ` +
          `${RETENTION_PROBLEMS[resolvedNats.retention]} Use retention 'limits' (the default), or set ` +
          'deadLetter: false.',
      },
    );
  }
  return {
    transport,
    kafka: transport === 'kafka' ? resolveKafkaOptions(kafka) : undefined,
    nats: resolvedNats,
    memory: {
      broker: check.nonEmptyString('memory.broker', memory.broker ?? 'default'),
      group: check.nonEmptyString('memory.group', memory.group ?? 'default'),
    },
    dispatcher: {
      maxConcurrency: check.integer('dispatcher.maxConcurrency', d.maxConcurrency ?? 256, 1, 1_000_000),
      maxBuffered: check.integer('dispatcher.maxBuffered', d.maxBuffered ?? 10_000, 1, 10_000_000),
      handlerTimeoutMs,
      timeoutGraceMs: check.durationMs(
        'dispatcher.timeoutGraceMs',
        d.timeoutGraceMs ?? Math.min(handlerTimeoutMs, 30_000),
        0,
      ),
      shutdownTimeoutMs: check.durationMs('dispatcher.shutdownTimeoutMs', d.shutdownTimeoutMs ?? 10_000, 0),
    },
    retry,
    deadLetterSuffix,
    deadLetterStack,
    publishTimeoutMs: check.durationMs('publishTimeoutMs', options.publishTimeoutMs ?? 30_000, 1),
    observability: resolveObservabilityOptions(options.observability),
    outbox: options.outbox === undefined ? undefined : resolveOutboxOptions(options.outbox),
  };
}
