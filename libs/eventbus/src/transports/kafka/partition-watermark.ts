/**
 * The contiguous commit watermark of one assigned Kafka partition.
 *
 * Messages are delivered in ascending offset order and settle in any order. The watermark is the offset
 * a consumer group may commit: the lowest delivered offset that has not settled yet, or, when everything
 * delivered has settled, the offset after the last delivered (or skipped) record. A commit therefore never
 * passes an unsettled message, however many later ones have settled (kafkajs keeps one resolved marker per
 * partition and would commit past it).
 *
 * Once its partition is revoked the watermark is `revoked`: its messages may still settle, but it is never
 * committed again.
 */
export class PartitionWatermark {
  /** Delivered offsets in delivery order; entries before `head` have settled. */
  private delivered: number[] = [];
  private head = 0;
  private readonly unsettled = new Set<number>();
  private end: number | undefined;
  private committed: number | undefined;
  private revokedFlag = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /**
   * A message is handed to the core; it holds the watermark until it settles. Returns false, tracking
   * nothing, for an offset below the fetch position: that record was delivered already.
   */
  track(offset: number): boolean {
    if (this.end !== undefined && offset < this.end) return false;
    this.delivered.push(offset);
    this.unsettled.add(offset);
    this.end = offset + 1;
    return true;
  }

  /** Records below `end` that were never delivered (transaction markers) need no settlement. */
  skipTo(end: number): void {
    if (this.end === undefined || end > this.end) this.end = end;
  }

  /** Marks a delivered offset settled. Returns false when it was not pending (unknown or settled before). */
  settle(offset: number): boolean {
    if (!this.unsettled.delete(offset)) return false;
    while (this.head < this.delivered.length && !this.unsettled.has(this.delivered[this.head])) this.head++;
    if (this.head > 1024 && this.head * 2 > this.delivered.length) {
      this.delivered = this.delivered.slice(this.head);
      this.head = 0;
    }
    return true;
  }

  /** The offset to commit: everything below it has settled. Undefined before the first delivery. */
  get watermark(): number | undefined {
    return this.head < this.delivered.length ? this.delivered[this.head] : this.end;
  }

  /** Where fetching continues: the offset after the last delivered or skipped record. */
  get nextOffset(): number | undefined {
    return this.end;
  }

  /** Delivered messages that have not settled. */
  get pendingCount(): number {
    return this.unsettled.size;
  }

  /** The watermark when it moved past the last committed offset, else undefined (nothing new to commit). */
  uncommitted(): number | undefined {
    const watermark = this.watermark;
    if (this.revokedFlag || watermark === undefined) return undefined;
    return this.committed === undefined || watermark > this.committed ? watermark : undefined;
  }

  /** Records a commit the broker accepted. */
  markCommitted(offset: number): void {
    if (this.committed === undefined || offset > this.committed) this.committed = offset;
  }

  /** The partition is no longer owned: nothing of it is committed any more. */
  revoke(): void {
    this.revokedFlag = true;
  }

  get revoked(): boolean {
    return this.revokedFlag;
  }
}
