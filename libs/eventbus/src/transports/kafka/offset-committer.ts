import type { LoggerService } from '@nestjs/common';
import type { TopicPartitionOffsetAndMetadata } from 'kafkajs';
import type { OwnedPartitions } from './owned-partitions';
import { describeError } from '../../errors/describe-value';

/** Stores offsets in the consumer group; resolves once the broker accepted them. */
export type CommitOffsets = (offsets: TopicPartitionOffsetAndMetadata[]) => Promise<void>;

/**
 * Commits, for every owned partition, the watermark below which everything settled: every `intervalMs`,
 * when a rebalance starts and on close. One commit runs at a time; requests made meanwhile share one
 * follow-up commit of the then current watermarks. A failed commit is logged and retried on the next
 * cycle; it never throws.
 */
export class OffsetCommitter {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly owned: OwnedPartitions,
    private readonly commitOffsets: CommitOffsets,
    private readonly logger: LoggerService,
  ) {}

  start(intervalMs: number): void {
    this.timer ??= setInterval(() => {
      if (!this.running) void this.commit();
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Commits the current watermarks; resolves when they are committed (or the attempt failed and was logged). */
  commit(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.startCommit();
    this.queued = this.running.then(() => {
      this.queued = undefined;
      return this.startCommit();
    });
    return this.queued;
  }

  private startCommit(): Promise<void> {
    const run = this.commitOnce().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async commitOnce(): Promise<void> {
    const pending = this.owned.pendingCommits();
    try {
      if (pending.length === 0) return;
      await this.commitOffsets(
        pending.map(({ watermark, offset }) => ({
          topic: watermark.topic,
          partition: watermark.partition,
          offset: String(offset),
        })),
      );
      for (const { watermark, offset } of pending) watermark.markCommitted(offset);
    } catch (error) {
      this.logger.warn(`Committing Kafka offsets failed, retried on the next cycle: ${describeError(error)}`);
    }
  }
}
