import { InvalidOptionsError } from '../errors/invalid-options.error';
import { check } from '../options/option-checks';
import { OPTION_KEYS } from '../options/option-keys';
import { checkedSection } from '../options/unknown-keys';

/** A prom-client `Registry` (typed structurally, so that applications without prom-client still compile). */
export interface MetricsRegistry {
  metrics(): Promise<string>;
  getSingleMetric(name: string): unknown;
}

/** Where and how metrics are written (`observability.metrics`). */
export interface MetricsOptions {
  /** The prom-client registry to register on. Default: prom-client's global `register`. */
  registry?: MetricsRegistry;
  /** Metric name prefix. Default `'eventbus_'`. */
  prefix?: string;
}

/** `EventBusModule.forRoot({ observability })`. Every integration is used only when its package is installed. */
export interface ObservabilityOptions {
  /** Prometheus metrics through `prom-client`: `true` (default), `false`, or where to write them. */
  metrics?: boolean | MetricsOptions;
  /** OpenTelemetry spans through `@opentelemetry/api`. Default `true`. */
  tracing?: boolean;
  /** `EventBusHealthIndicator` reports down when an aggregate stays unsettled longer (ms). Default `300000`. */
  stallThresholdMs?: number;
  /** How often `eventbus_consumer_lag` is read from the broker, in the background (ms). Default `5000`. */
  lagIntervalMs?: number;
}

export interface ResolvedObservabilityOptions {
  /** Undefined when metrics are off. */
  metrics: { registry: MetricsRegistry | undefined; prefix: string } | undefined;
  tracing: boolean;
  stallThresholdMs: number;
  lagIntervalMs: number;
}

export function resolveObservabilityOptions(
  options: ObservabilityOptions | undefined,
): ResolvedObservabilityOptions {
  const o = checkedSection('observability', options, OPTION_KEYS.observability);
  const metrics = o.metrics ?? true;
  let resolvedMetrics: ResolvedObservabilityOptions['metrics'];
  if (metrics === true) resolvedMetrics = { registry: undefined, prefix: 'eventbus_' };
  else if (metrics !== false) {
    if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
      throw new InvalidOptionsError(
        'observability.metrics',
        'true, false or { registry?, prefix? }',
        metrics,
      );
    }
    checkedSection('observability.metrics', metrics, OPTION_KEYS.metrics);
    const prefix = metrics.prefix ?? 'eventbus_';
    if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
      throw new InvalidOptionsError(
        'observability.metrics.prefix',
        'a Prometheus metric name prefix',
        prefix,
      );
    }
    const registry = metrics.registry;
    if (registry !== undefined && typeof (registry as { metrics?: unknown }).metrics !== 'function') {
      throw new InvalidOptionsError('observability.metrics.registry', 'a prom-client Registry', registry);
    }
    resolvedMetrics = { registry, prefix };
  }
  return {
    metrics: resolvedMetrics,
    tracing: check.boolean('observability.tracing', o.tracing ?? true),
    stallThresholdMs: check.durationMs('observability.stallThresholdMs', o.stallThresholdMs ?? 300_000, 1),
    lagIntervalMs: check.durationMs('observability.lagIntervalMs', o.lagIntervalMs ?? 5_000, 100),
  };
}
