import { PartitionWatermark } from './partition-watermark';

/** Partitions per topic, as kafkajs reports a member assignment (`{ orders: [0, 2] }`). */
export type PartitionAssignment = Readonly<Record<string, readonly number[]>>;

/** One commit the broker should store: everything below `offset` of the partition has settled. */
export interface PendingCommit {
  readonly watermark: PartitionWatermark;
  readonly offset: number;
}

/**
 * The partitions this consumer owns in the current group generation, each with its commit watermark.
 *
 * A rebalance replaces the assignment: partitions kept keep their watermark (their in-flight messages
 * still count), revoked ones are revoked (their late settlements never commit), newly assigned ones start
 * empty (the broker delivers them again from the committed offset).
 */
export class OwnedPartitions {
  private readonly watermarks = new Map<string, PartitionWatermark>();

  /** Applies a new assignment and returns the watermarks of the partitions that stayed owned. */
  assign(assignment: PartitionAssignment): PartitionWatermark[] {
    const next = new Map<string, PartitionWatermark>();
    const retained: PartitionWatermark[] = [];
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = keyOf(topic, partition);
        const kept = this.watermarks.get(key);
        if (kept) retained.push(kept);
        next.set(key, kept ?? new PartitionWatermark(topic, partition));
      }
    }
    for (const [key, watermark] of this.watermarks) {
      if (!next.has(key)) watermark.revoke();
    }
    this.watermarks.clear();
    for (const [key, watermark] of next) this.watermarks.set(key, watermark);
    return retained;
  }

  /** Ownership ended for every partition (the member left or was removed from the group). */
  revokeAll(): void {
    for (const watermark of this.watermarks.values()) watermark.revoke();
    this.watermarks.clear();
  }

  /** The watermark of an owned partition; one the client fetches is owned even if no assignment named it. */
  get(topic: string, partition: number): PartitionWatermark {
    const key = keyOf(topic, partition);
    let watermark = this.watermarks.get(key);
    if (!watermark) {
      watermark = new PartitionWatermark(topic, partition);
      this.watermarks.set(key, watermark);
    }
    return watermark;
  }

  /** Owned partitions whose watermark moved past their last commit. */
  pendingCommits(): PendingCommit[] {
    const commits: PendingCommit[] = [];
    for (const watermark of this.watermarks.values()) {
      const offset = watermark.uncommitted();
      if (offset !== undefined) commits.push({ watermark, offset });
    }
    return commits;
  }
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
