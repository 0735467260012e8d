import type * as PromClient from 'prom-client';
import type { DeliverySemantics } from '../transports/transport.port';
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
  readonly messages: PromClient.Counter<'topic' | 'semantics' | 'outcome'>;
  readonly handlerDuration: PromClient.Histogram<'topic' | 'outcome'>;
  readonly endToEnd: PromClient.Histogram<'topic'>;
  readonly published: PromClient.Counter<'topic' | 'status'>;
  readonly publishDuration: PromClient.Histogram<'topic'>;

  constructor(prom: Prom, registry: PromClient.Registry, prefix: string) {
    const sources = this.sources;
    const sum = (read: (source: MetricsSource) => number) => {
      let total = 0;
      for (const source of sources) total += read(source);
      return total;
    };
    const registers = [registry];
    this.messages = new prom.Counter({
      name: `${prefix}messages_total`,
      help: 'Consumed messages by how they ended (handled, retried, dead_lettered, dropped, discarded, released, timed_out).',
      labelNames: ['topic', 'semantics', 'outcome'],
      registers,
    });
    this.handlerDuration = new prom.Histogram({
      name: `${prefix}handler_duration_seconds`,
      help: 'Duration of one handling attempt (all handlers of the topic), by outcome.',
      labelNames: ['topic', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.endToEnd = new prom.Histogram({
      name: `${prefix}end_to_end_seconds`,
      help: 'Time from publish (broker timestamp) to successful handling.',
      labelNames: ['topic'],
      buckets: END_TO_END_BUCKETS,
      registers,
    });
    this.published = new prom.Counter({
      name: `${prefix}published_total`,
      help: 'Publishes by status (ok: confirmed by the broker; error: rejected or timed out).',
      labelNames: ['topic', 'status'],
      registers,
    });
    this.publishDuration = new prom.Histogram({
      name: `${prefix}publish_duration_seconds`,
      help: 'Time until the broker confirmed (or refused) a publish.',
      labelNames: ['topic'],
      buckets: DURATION_BUCKETS,
      registers,
    });
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
  /** Per metric, its children by label values (one map level per label, so a lookup allocates nothing). */
  private readonly children = new Map<object, ChildTree>();

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
    this.child(this.set.messages, topic, semantics, outcome).inc();
  }

  handlerDuration(topic: string, outcome: MessageOutcome, seconds: number): void {
    this.child(this.set.handlerDuration, topic, outcome).observe(seconds);
  }

  endToEnd(topic: string, seconds: number): void {
    this.child(this.set.endToEnd, topic).observe(Math.max(0, seconds));
  }

  published(topic: string, ok: boolean, seconds: number): void {
    this.child(this.set.published, topic, ok ? 'ok' : 'error').inc();
    this.child(this.set.publishDuration, topic).observe(seconds);
  }

  /**
   * The metric's child for these label values, looked up once: prom-client hashes the label object on every
   * `inc`/`observe` otherwise, which is most of a metric's cost on the per-message path.
   */
  private child<T extends { labels(...values: string[]): object }>(
    metric: T,
    first: string,
    second?: string,
    third?: string,
  ): ReturnType<T['labels']> {
    let tree = this.children.get(metric);
    if (!tree) this.children.set(metric, (tree = new Map()));
    let node = nodeIn(tree, first);
    if (second !== undefined) node = nodeIn((node.next ??= new Map()), second);
    if (third !== undefined) node = nodeIn((node.next ??= new Map()), third);
    node.child ??=
      third !== undefined
        ? metric.labels(first, second!, third)
        : second !== undefined
          ? metric.labels(first, second)
          : metric.labels(first);
    return node.child as ReturnType<T['labels']>;
  }
}

/** Children of a metric by their first label value; deeper labels in `next`. */
type ChildTree = Map<string, ChildNode>;
interface ChildNode {
  child: object | undefined;
  next: ChildTree | undefined;
}

function nodeIn(tree: ChildTree, value: string): ChildNode {
  let node = tree.get(value);
  if (!node) tree.set(value, (node = { child: undefined, next: undefined }));
  return node;
}
