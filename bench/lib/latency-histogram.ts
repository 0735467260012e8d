const MIN_MS = 0.001;
const GROWTH = 1.01;
const BUCKETS = 3_000; // MIN_MS * GROWTH^3000 is about 110 days

/**
 * Log-bucketed latency histogram: fixed memory whatever the number of samples, percentiles within 1%.
 * Values are milliseconds; values below 1 µs count as 1 µs.
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS + 1);
  private total = 0;

  add(ms: number): void {
    const bucket = ms <= MIN_MS ? 0 : Math.min(BUCKETS, Math.ceil(Math.log(ms / MIN_MS) / Math.log(GROWTH)));
    this.counts[bucket]++;
    this.total++;
  }

  get count(): number {
    return this.total;
  }

  /** The upper bound of the bucket holding the `p`-th percentile (0 < p <= 100); undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let bucket = 0; bucket <= BUCKETS; bucket++) {
      seen += this.counts[bucket];
      if (seen >= rank) return MIN_MS * GROWTH ** bucket;
    }
    return MIN_MS * GROWTH ** BUCKETS;
  }
}
