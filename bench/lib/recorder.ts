import { aggregateIndex, type BenchEvent, eventCount, type EventShape } from './bench-event';
import { nowMs } from './clock';
import { LatencyHistogram } from './latency-histogram';

/** What a contender handled, checked against the published data set. */
export interface RecorderReport {
  /** Events published (distinct aggregate/version pairs). */
  readonly expected: number;
  /** Handler completions, duplicates included. */
  readonly handled: number;
  /** Distinct expected events handled at least once. */
  readonly distinct: number;
  /** `expected - distinct`. */
  readonly lost: number;
  /** Handlings of an event already handled before (redeliveries). */
  readonly duplicates: number;
  /** First handlings of a version lower than one already handled for the same aggregate. */
  readonly orderViolations: number;
  /** Handled events that are not part of the data set (unknown aggregate id or version). */
  readonly unexpected: number;
  /** `nowMs()` of the first and last handling; undefined when nothing was handled. */
  readonly firstAt: number | undefined;
  readonly lastAt: number | undefined;
  /** Longest time between two handlings in a row (ms; 0 with fewer than two). */
  readonly longestPauseMs: number;
  /** Publish-to-handled latency percentiles (ms), see `Recorder.record`. */
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

/** First to last handling (ms) and distinct events handled per second over that time. */
export function throughputOf(report: RecorderReport): { durationMs: number; msgsPerSec: number } {
  const durationMs = report.firstAt !== undefined ? report.lastAt! - report.firstAt : 0;
  return { durationMs, msgsPerSec: durationMs > 0 ? report.distinct / (durationMs / 1000) : 0 };
}

/**
 * Receives every handled event of one contender run and checks completeness and per-aggregate order.
 * Memory is fixed by the shape (two small typed arrays and a histogram), so it barely moves the
 * contender's RSS even with a million aggregates.
 */
export class Recorder {
  readonly expected: number;
  private readonly versions: number;
  /** Highest version handled per aggregate (0: none yet). */
  private readonly highest: Int32Array;
  /** One bit per aggregate/version pair: handled at least once. */
  private readonly seen: Uint8Array;
  private readonly latency = new LatencyHistogram();
  private handled = 0;
  private distinctCount = 0;
  private duplicates = 0;
  private orderViolations = 0;
  private unexpected = 0;
  private firstAt: number | undefined;
  private lastAt: number | undefined;
  private longestPauseMs = 0;
  private waiter: { count: number; resolve: () => void } | undefined;

  constructor(private readonly shape: EventShape) {
    this.expected = eventCount(shape);
    this.versions = shape.versions;
    this.highest = new Int32Array(shape.aggregates);
    this.seen = new Uint8Array(Math.ceil(this.expected / 8));
  }
  /** Handler completions so far, duplicates included. */
  get handledSoFar(): number {
    return this.handled;
  }

  /**
   * Records one completed handling, at `at` (default: now). Latency runs from the later of the event's publish
   * time and the run's first handling: for data published before the contender started, it measures the wait
   * inside the consumer rather than the contender's start-up time. Order and latency are judged in the order
   * handlings are recorded.
   */
  record(event: BenchEvent, at = nowMs()): void {
    this.handled++;
    this.firstAt ??= at;
    if (this.lastAt !== undefined) this.longestPauseMs = Math.max(this.longestPauseMs, at - this.lastAt);
    this.lastAt = at;
    const index = aggregateIndex(event.aggregateId);
    const version = event.version;
    if (index < 0 || index >= this.shape.aggregates || !Number.isInteger(version)) {
      this.unexpected++;
      return;
    }
    if (version < 1 || version > this.versions) {
      this.unexpected++;
      return;
    }
    const bit = index * this.versions + version - 1;
    const mask = 1 << (bit & 7);
    if (this.seen[bit >> 3] & mask) {
      this.duplicates++;
      return;
    }
    this.seen[bit >> 3] |= mask;
    this.distinctCount++;
    if (version < this.highest[index]) this.orderViolations++;
    else this.highest[index] = version;
    this.latency.add(at - Math.max(event.publishedAt, this.firstAt));
    if (this.waiter && this.distinctCount >= this.waiter.count) {
      this.waiter.resolve();
      this.waiter = undefined;
    }
  }

  get distinct(): number {
    return this.distinctCount;
  }

  get lastHandledAt(): number | undefined {
    return this.lastAt;
  }

  /** Resolves once `count` distinct events were handled (one waiter at a time). */
  whenDistinct(count: number): Promise<void> {
    if (this.distinctCount >= count) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = { count, resolve }));
  }

  report(): RecorderReport {
    return {
      expected: this.expected,
      handled: this.handled,
      distinct: this.distinctCount,
      lost: this.expected - this.distinctCount,
      duplicates: this.duplicates,
      orderViolations: this.orderViolations,
      unexpected: this.unexpected,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      longestPauseMs: this.longestPauseMs,
      p50Ms: this.latency.percentile(50),
      p99Ms: this.latency.percentile(99),
    };
  }
}
