import type * as PromClient from 'prom-client';

/**
 * A sample as prom-client's registry reads it from a metric. Its text format writes `sharedLabels` after the
 * registry's default labels; `get()` merges them into `labels`.
 */
interface Sample {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly sharedLabels?: Record<string, string>;
  readonly metricName?: string;
}

/** What prom-client's registry reads from a metric. */
interface MetricData {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: string;
  readonly values: Sample[];
}

/** The part of a prom-client registry (of either content type) a metric registers with. */
type MetricRegistry = Pick<PromClient.Registry, 'registerMetric'>;

/** What to name and describe a metric, and which labels (at most 3) its samples carry, in the order `series()` takes them. */
export interface BatchedMetricConfig {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

/** Series of a metric by their first label value; deeper label values in `next`. */
type SeriesTree<S> = Map<string, SeriesNode<S>>;
interface SeriesNode<S> {
  series: S | undefined;
  next: SeriesTree<S> | undefined;
}

/**
 * A counter or histogram whose per-message update is a few number writes, registered in a prom-client registry
 * that exposes it like its own metrics (text format, `getMetricsAsJSON`, `getSingleMetric(name).get()`,
 * `resetMetrics()`). prom-client's own `inc`/`observe` check and hash the labels on every call (0.4 to 1 µs, most
 * of the observability cost per message); here the samples are built only when the registry is read.
 */
abstract class BatchedMetric<S extends { readonly labels: Record<string, string> }> {
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly string[];
  private tree: SeriesTree<S> = new Map();
  private all: S[] = [];

  constructor(config: BatchedMetricConfig, registry: MetricRegistry) {
    if (config.labelNames.length > 3) throw new RangeError(`${config.name}: at most 3 labels`);
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    registry.registerMetric(this as unknown as PromClient.Metric);
  }

  /** The series of these label values (one per label name, in order), created on first use. */
  series(first = '', second = '', third = ''): S {
    const depth = this.labelNames.length;
    let node = nodeIn(this.tree, first);
    if (depth > 1) node = nodeIn((node.next ??= new Map()), second);
    if (depth > 2) node = nodeIn((node.next ??= new Map()), third);
    if (!node.series) {
      const values = [first, second, third];
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i]));
      node.series = this.createSeries(labels);
      this.all.push(node.series);
    }
    return node.series;
  }

  /** Forgets every series (prom-client's `registry.resetMetrics()`); series handed out before stop counting. */
  reset(): void {
    this.tree = new Map();
    this.all = [];
  }

  /** The samples as the registry writes them in the text format. */
  getForPromString(): Promise<MetricData> {
    return Promise.resolve(this.data(this.all.flatMap((series) => this.samplesOf(series))));
  }

  /** The samples, each with all its labels (prom-client's `metric.get()`). */
  async get(): Promise<MetricData> {
    const data = await this.getForPromString();
    return this.data(
      data.values.map(({ sharedLabels, ...sample }) =>
        sharedLabels ? { ...sample, labels: { ...sample.labels, ...sharedLabels } } : sample,
      ),
    );
  }

  private data(values: Sample[]): MetricData {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  protected abstract createSeries(labels: Record<string, string>): S;
  protected abstract samplesOf(series: S): Sample[];
}

/** One label set of a `BatchedCounter`. */
export class CounterSeries {
  value = 0;
  constructor(readonly labels: Record<string, string>) {}

  inc(): void {
    this.value++;
  }
}

/** A Prometheus counter (see `BatchedMetric`). */
export class BatchedCounter extends BatchedMetric<CounterSeries> {
  readonly type = 'counter';

  protected createSeries(labels: Record<string, string>): CounterSeries {
    return new CounterSeries(labels);
  }

  protected samplesOf({ labels, value }: CounterSeries): Sample[] {
    return [{ labels, value }];
  }
}

/** One label set of a `BatchedHistogram`: observations per bucket (not cumulative; the last one is `+Inf`). */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Record<string, string>,
    private readonly upperBounds: readonly number[],
  ) {
    this.counts = new Float64Array(upperBounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

/** A Prometheus histogram with fixed upper bounds, ascending (see `BatchedMetric`). */
export class BatchedHistogram extends BatchedMetric<HistogramSeries> {
  readonly type = 'histogram';
  private readonly buckets: readonly number[];

  constructor(
    config: BatchedMetricConfig & { readonly buckets: readonly number[] },
    registry: MetricRegistry,
  ) {
    super(config, registry);
    this.buckets = config.buckets;
  }

  protected createSeries(labels: Record<string, string>): HistogramSeries {
    return new HistogramSeries(labels, this.buckets);
  }

  protected samplesOf({ labels, counts, sum, count }: HistogramSeries): Sample[] {
    const bucket = `${this.name}_bucket`;
    let cumulative = 0;
    const samples: Sample[] = this.buckets.map((le, i) => ({
      labels: { le },
      sharedLabels: labels,
      value: (cumulative += counts[i]),
      metricName: bucket,
    }));
    samples.push(
      { labels: { le: '+Inf' }, sharedLabels: labels, value: count, metricName: bucket },
      { labels: {}, sharedLabels: labels, value: sum, metricName: `${this.name}_sum` },
      { labels: {}, sharedLabels: labels, value: count, metricName: `${this.name}_count` },
    );
    return samples;
  }
}

function nodeIn<S>(tree: SeriesTree<S>, value: string): SeriesNode<S> {
  let node = tree.get(value);
  if (!node) tree.set(value, (node = { series: undefined, next: undefined }));
  return node;
}
