import type { DomainEventEnvelope } from '../envelope/domain-event-envelope';

/** One pending outbox row as the relay reads it. */
export interface OutboxRow {
  readonly id: string;
  /** The key-hash partition (`outboxPartition`). */
  readonly partition: number;
  readonly topic: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly envelope: DomainEventEnvelope;
  readonly attempts: number;
  /** Not waiting for a retry delay. */
  readonly due: boolean;
  /**
   * Written by a transaction whose id is below the oldest id still running (the snapshot's `xmin`): every
   * transaction that got its id earlier has ended, so none of them can still add a row.
   */
  readonly settled: boolean;
}

/**
 * The relay's ordering rule. `rows` are all pending rows of some aggregates, sorted by topic, aggregate id,
 * version and id, as one snapshot sees them. Per aggregate (topic + aggregate id) the result holds the rows to
 * publish now, in version order: the longest run from the aggregate's lowest pending version in which every row
 * is settled and due. A row never goes out before a lower version of its aggregate that is still pending, even
 * when that one waits (not settled yet, or waiting for a retry); aggregates never wait for each other.
 */
export function publishableRuns(rows: readonly OutboxRow[]): OutboxRow[][] {
  const runs: OutboxRow[][] = [];
  let current: OutboxRow[] | undefined;
  let blocked = false;
  let previous: OutboxRow | undefined;
  for (const row of rows) {
    const sameAggregate =
      previous !== undefined && previous.topic === row.topic && previous.aggregateId === row.aggregateId;
    if (!sameAggregate) {
      current = undefined;
      blocked = false;
    }
    previous = row;
    if (blocked) continue;
    if (!row.settled || !row.due) {
      blocked = true;
      continue;
    }
    if (!current) runs.push((current = []));
    current.push(row);
  }
  return runs;
}
