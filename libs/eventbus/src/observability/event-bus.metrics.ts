import type * as PromClient from 'prom-client';
import type { DeliverySemantics } from '../transports/transport.port';
import { BatchedCounter, BatchedHistogram } from './batched-metrics';
import type { MetricsSource } from './metrics-source';

type Prom = typeof PromClient;

/** How a message ended, as the `outcome` label of `eventbus_messages_total`. */
export type MessageOutcome =
  'handled' | 'retried' | 'dead_lettered' | 'dropped' | 'discarded' | 'released' | 'timed_out';

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const END_TO_END_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The metric objects of one registry and prefix, shared by every module instance writing there. */
class MetricSet {
  readonly sources = new Set<MetricsSource>();
  readonly messages: BatchedCounter;
  readonly handlerDuration: BatchedHistogram;
  readonly endToEnd: BatchedHistogram;
  readonly published: BatchedCounter;
  readonly publishDuration: BatchedHistogram;

  constructor(prom: Prom, registry: PromClient.Registry, prefix: string) {
    const sources = this.sources;
    const sum = (read: (source: MetricsSource) => number) => {
      let total = 0;
      for (const source of sources) total += read(source);
      return total;
    };
    const registers = [registry];
    this.messages = new BatchedCounter(
      {
        name: `${prefix}messages_total`,
        help: 'Consumed messages by how they ended (handled, retried, dead_lettered, dropped, discarded, released, timed_out).',
        labelNames: ['topic', 'semantics', 'outcome'],
      },
      registry,
    );
    this.handlerDuration = new BatchedHistogram(
      {
        name: `${prefix}handler_duration_seconds`,
        help: 'Duration of one handling attempt (all handlers of the topic), by outcome.',
        labelNames: ['topic', 'outcome'],
        buckets: DURATION_BUCKETS,
      },
      registry,
    );
    this.endToEnd = new BatchedHistogram(
      {
        name: `${prefix}end_to_end_seconds`,
        help: 'Time from publish (broker timestamp) to successful handling.',
        labelNames: ['topic'],
        buckets: END_TO_END_BUCKETS,
      },
      registry,
    );
    this.published = new BatchedCounter(
      {
        name: `${prefix}published_total`,
        help: 'Publishes by status (ok: confirmed by the broker; error: rejected or timed out).',
        labelNames: ['topic', 'status'],
      },
      registry,
    );
    this.publishDuration = new BatchedHistogram(
      {
        name: `${prefix}publish_duration_seconds`,
        help: 'Time until the broker confirmed (or refused) a publish.',
        labelNames: ['topic'],
        buckets: DURATION_BUCKETS,
      },
      registry,
    );
    new prom.Gauge({
      name: `${prefix}buffered_messages`,
      help: 'Messages held in memory: running, waiting behind their aggregate, or waiting to retry.',
      registers,
      collect() {
        this.set(sum((s) => s.buffered()));
      },
    });
    new prom.Gauge({
      name: `${prefix}running_handlers`,
      help: 'Handling attempts running now.',
      registers,
      collect() {
        this.set(sum((s) => s.running()));
      },
    });
    new prom.Gauge({
      name: `${prefix}active_aggregates`,
      help: 'Aggregates (ordering keys) with at least one buffered message.',
      registers,
      collect() {
        this.set(sum((s) => s.activeAggregates()));
      },
    });
    new prom.Gauge({
      name: `${prefix}consumer_lag`,
      help: 'Messages not yet consumed and settled (Kafka: log end minus committed offset; JetStream: pending plus ack pending).',
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const source of sources) {
          for (const { topic, partition, lag } of source.lag()) this.inc({ topic, partition }, lag);
        }
      },
    });
    new prom.Gauge({
      name: `${prefix}oldest_unsettled_seconds`,
      help: 'Age of the oldest unsettled message per topic (a stuck aggregate keeps it rising).',
      labelNames: ['topic'],
      registers,
      collect() {
        this.reset();
        const oldest = new Map<string, number>();
        for (const source of sources) {
          for (const { topic, seconds } of source.oldestUnsettled()) {
            oldest.set(topic, Math.max(seconds, oldest.get(topic) ?? 0));
          }
        }
        for (const [topic, seconds] of oldest) this.set({ topic }, seconds);
      },
    });
  }
}

const sets = new WeakMap<object, Map<string, MetricSet>>();

/**
 * The library's Prometheus metrics (names in DESIGN: `eventbus_messages_total`, ...). Several modules writing to
 * one registry with one prefix share the metric objects; gauges add up what every running server reports.
 */
export class EventBusMetrics {
  private constructor(private readonly set: MetricSet) {}

  static create(prom: Prom, registry: PromClient.Registry | undefined, prefix: string): EventBusMetrics {
    const target = registry ?? prom.register;
    let byPrefix = sets.get(target);
    if (!byPrefix) sets.set(target, (byPrefix = new Map()));
    let set = byPrefix.get(prefix);
    if (!set) byPrefix.set(prefix, (set = new MetricSet(prom, target, prefix)));
    return new EventBusMetrics(set);
  }

  /** Adds a running server's gauges; the returned function removes them (at close). */
  addSource(source: MetricsSource): () => void {
    this.set.sources.add(source);
    return () => this.set.sources.delete(source);
  }

  message(topic: string, semantics: DeliverySemantics, outcome: MessageOutcome): void {
    this.set.messages.series(topic, semantics, outcome).inc();
  }

  handlerDuration(topic: string, outcome: MessageOutcome, seconds: number): void {
    this.set.handlerDuration.series(topic, outcome).observe(seconds);
  }

  endToEnd(topic: string, seconds: number): void {
    this.set.endToEnd.series(topic).observe(Math.max(0, seconds));
  }

  published(topic: string, ok: boolean, seconds: number): void {
    this.set.published.series(topic, ok ? 'ok' : 'error').inc();
    this.set.publishDuration.series(topic).observe(seconds);
  }
}
