import type * as OtelApi from '@opentelemetry/api';
import type * as PromClient from 'prom-client';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import { EventBusMetrics } from './event-bus.metrics';
import { EventBusTracing } from './event-bus.tracing';
import { loadOptionalPeer } from './optional-peer';

/**
 * The optional integrations of one module: metrics when `prom-client` is installed and metrics are on, tracing
 * when `@opentelemetry/api` is installed and tracing is on. Loaded once, when the module starts.
 */
export class Observability {
  private constructor(
    readonly metrics: EventBusMetrics | undefined,
    readonly tracing: EventBusTracing | undefined,
  ) {}

  static async load(options: ResolvedEventBusOptions): Promise<Observability> {
    const { metrics, tracing } = options.observability;
    const prom = metrics ? await loadOptionalPeer<typeof PromClient>('prom-client') : undefined;
    const otel = tracing ? await loadOptionalPeer<typeof OtelApi>('@opentelemetry/api') : undefined;
    return new Observability(
      prom && metrics
        ? EventBusMetrics.create(prom, metrics.registry as PromClient.Registry | undefined, metrics.prefix)
        : undefined,
      otel ? new EventBusTracing(otel, options.transport, consumerGroupOf(options)) : undefined,
    );
  }
}

/** The consumer group the spans name: Kafka `groupId`, JetStream durable, memory group. */
function consumerGroupOf(options: ResolvedEventBusOptions): string {
  switch (options.transport) {
    case 'kafka':
      return options.kafka!.groupId;
    case 'nats':
      return options.nats!.durable;
    case 'memory':
      return options.memory.group;
  }
}
