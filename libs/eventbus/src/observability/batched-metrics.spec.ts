import * as prom from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BatchedCounter, BatchedHistogram } from './batched-metrics';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED: [string, string, number][] = [
  ['orders', 'handled', 0.0005],
  ['orders', 'handled', 0.001],
  ['orders', 'handled', 0.05],
  ['orders', 'retried', 3],
  ['payments', 'handled', 0.2],
  ['orders', 'handled', 0.01],
];

/** A registry of each kind holding the same observations, and how each renders them. */
async function renderedBoth(contentType: prom.RegistryContentType) {
  const ours = new prom.Registry<prom.RegistryContentType>();
  const theirs = new prom.Registry<prom.RegistryContentType>();
  for (const registry of [ours, theirs]) {
    registry.setContentType(contentType);
    registry.setDefaultLabels({ service: 'svc' });
  }
  const histogram = new BatchedHistogram(
    { name: 'h_seconds', help: 'A histogram.', labelNames: ['topic', 'outcome'], buckets: BUCKETS },
    ours,
  );
  const counter = new BatchedCounter(
    { name: 'c_total', help: 'A counter.', labelNames: ['topic', 'outcome'] },
    ours,
  );
  const promHistogram = new prom.Histogram({
    name: 'h_seconds',
    help: 'A histogram.',
    labelNames: ['topic', 'outcome'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const promCounter = new prom.Counter({
    name: 'c_total',
    help: 'A counter.',
    labelNames: ['topic', 'outcome'],
    registers: [theirs],
  });
  for (const [topic, outcome, seconds] of OBSERVED) {
    histogram.series(topic, outcome).observe(seconds);
    counter.series(topic, outcome).inc();
    promHistogram.labels(topic, outcome).observe(seconds);
    promCounter.labels(topic, outcome).inc();
  }
  return { ours, theirs, text: [await ours.metrics(), await theirs.metrics()] };
}

describe('batched metrics', () => {
  it('render exactly as prom-client renders the same observations, in both exposition formats', async () => {
    for (const contentType of [
      prom.Registry.PROMETHEUS_CONTENT_TYPE,
      prom.Registry.OPENMETRICS_CONTENT_TYPE,
    ]) {
      const { text } = await renderedBoth(contentType);
      expect(text[0]).toContain(
        'h_seconds_bucket{le="0.01",service="svc",topic="orders",outcome="handled"} 3',
      );
      expect(text[0]).toBe(text[1]);
    }
  });

  it('read as prom-client metrics through the registry, and reset with it', async () => {
    const { ours, theirs } = await renderedBoth(prom.Registry.PROMETHEUS_CONTENT_TYPE);
    // prom-client adds `exemplar: null` to samples when exemplars are off; nothing else may differ.
    const withoutExemplars = (json: object) =>
      JSON.parse(JSON.stringify(json, (k, v) => (k === 'exemplar' ? undefined : v)));
    expect(withoutExemplars(await ours.getMetricsAsJSON())).toEqual(
      withoutExemplars(await theirs.getMetricsAsJSON()),
    );
    const counter = ours.getSingleMetric('c_total')!;
    expect((await counter.get()).values).toEqual([
      { labels: { topic: 'orders', outcome: 'handled' }, value: 4 },
      { labels: { topic: 'orders', outcome: 'retried' }, value: 1 },
      { labels: { topic: 'payments', outcome: 'handled' }, value: 1 },
    ]);
    ours.resetMetrics();
    expect((await counter.get()).values).toEqual([]);
    expect((await ours.getSingleMetric('h_seconds')!.get()).values).toEqual([]);
  });

  it('refuse a second metric of the same name in one registry, as prom-client does', () => {
    const registry = new prom.Registry();
    new BatchedCounter({ name: 'twice_total', help: 'x', labelNames: [] }, registry);
    expect(() => new prom.Counter({ name: 'twice_total', help: 'x', registers: [registry] })).toThrow(
      /already been registered/,
    );
  });
});
