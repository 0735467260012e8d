/** One benchmark event as every contender's handler receives it (the message body of plain contenders). */
export interface BenchEvent {
  readonly aggregateId: string;
  readonly version: number;
  /** `nowMs()` when the event was published. */
  readonly publishedAt: number;
}

/**
 * How a data set is written on the broker: `plain` JSON `BenchEvent` bodies, or the library's domain-event
 * `envelope`s (JSON envelope body whose `payload` is the `BenchEvent`, plus the CloudEvents headers).
 */
export type BenchWire = 'plain' | 'envelope';

/** The `BenchEvent` in a message body already parsed from JSON, written as `wire`. */
export function benchEventOf(body: unknown, wire: BenchWire): BenchEvent {
  return (wire === 'envelope' ? (body as { payload: BenchEvent }).payload : body) as BenchEvent;
}

/** The data set of a scenario: `aggregates` distinct ids, each with versions `1..versions`. */
export interface EventShape {
  readonly aggregates: number;
  readonly versions: number;
}

/** An event before it is stamped with its publish time. */
export type BenchEventKey = Omit<BenchEvent, 'publishedAt'>;

const AGGREGATE_PREFIX = 'agg-';

export function eventCount(shape: EventShape): number {
  return shape.aggregates * shape.versions;
}

export function aggregateId(index: number): string {
  return `${AGGREGATE_PREFIX}${index}`;
}

/** The index encoded in an id made by `aggregateId`, or -1 when the id is not one of ours. */
export function aggregateIndex(id: string): number {
  if (typeof id !== 'string' || !id.startsWith(AGGREGATE_PREFIX)) return -1;
  const index = Number(id.slice(AGGREGATE_PREFIX.length));
  return Number.isInteger(index) && index >= 0 ? index : -1;
}

/**
 * The events of a shape in publish order: version 1 of every aggregate, then version 2, and so on, so
 * aggregates interleave as much as possible. Each batch holds at most `batchSize` events of distinct
 * aggregates: its events may be written concurrently, while batches must be written one after another.
 */
export function* eventBatches(shape: EventShape, batchSize = 1_000): Generator<BenchEventKey[]> {
  for (let version = 1; version <= shape.versions; version++) {
    for (let start = 0; start < shape.aggregates; start += batchSize) {
      const end = Math.min(start + batchSize, shape.aggregates);
      const batch: BenchEventKey[] = [];
      for (let index = start; index < end; index++) batch.push({ aggregateId: aggregateId(index), version });
      yield batch;
    }
  }
}
