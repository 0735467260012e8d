import type { LoggerService } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { assignedPartitions } from './partition-assignment';
import type { NatsLeaseStore } from './nats-lease.store';

/** What the ownership drives for each partition it holds. */
export interface PartitionRunner {
  /** Unacknowledged messages of the partition's durable consumer (0 when it does not exist yet). */
  ackPending(partition: number): Promise<number>;
  /** Provisions the partition's consumer and starts pulling; `revoked()` turns true once the lease is lost. */
  start(partition: number, revoked: () => boolean): Promise<void>;
  /**
   * Stops pulling the partition. `graceful`: the lease is still held, so its messages may settle (bounded), and
   * what did not is released before it resolves. Otherwise the lease is lost: nothing is acknowledged any more.
   */
  stop(partition: number, graceful: boolean): Promise<void>;
}

export interface NatsPartitionOwnershipOptions {
  readonly store: NatsLeaseStore;
  readonly member: string;
  readonly partitions: number;
  readonly ttlMs: number;
  readonly ackWaitMs: number;
  readonly runner: PartitionRunner;
  readonly logger: LoggerService;
  readonly name: string;
}

interface Lease {
  revision: number;
  /** Set once the lease counted as lost here; never cleared (a late renewal does not give it back). */
  lost: boolean;
  /** Local monotonic time until which the lease is surely held: renewal sent at + TTL - fencing margin. */
  validUntil: number;
  /** Being given back: the partition stops, then the lease is deleted. */
  leaving: boolean;
  running: boolean;
  startTimer?: NodeJS.Timeout;
  /** Starting and stopping the partition, one after the other. */
  work: Promise<void>;
}

/** Margin by which a lease counts as lost locally before the server can expire it (clock drift, slow renewals). */
export function fencingMarginMs(ttlMs: number): number {
  return Math.min(1_000, Math.floor(ttlMs / 5));
}

/** Added to `ackWaitMs` before a partition whose lease expired is started again. */
const HANDOVER_MARGIN_MS = 500;

/**
 * Holds the partitions of one subject assigned to this instance. Every `ttlMs / 3`, independently:
 * - renewal: each held lease is renewed (compare-and-set). A failed renewal, or a lease whose local validity
 *   (renewal sent + TTL - fencing margin) passed, stops the partition at once: from that moment its messages are
 *   revoked (not pulled, handled, acknowledged nor kept alive here), also when a late renewal succeeds;
 * - rebalance: this member is announced, the live members read, and the wanted partitions computed
 *   (`assignedPartitions`). Held partitions no longer wanted are given back (their messages settle or are
 *   released, then the lease is deleted); wanted ones are acquired. A partition given back by its previous
 *   owner, or whose consumer has nothing unacknowledged, starts at once; otherwise (the previous lease expired)
 *   after `ackWaitMs` plus a margin, so nothing the previous owner held can be overtaken.
 * `stopIntake()` ends rebalancing but keeps renewing; `close()` deletes the leases and leaves.
 */
export class NatsPartitionOwnership {
  private readonly leases = new Map<number, Lease>();
  private timers: NodeJS.Timeout[] = [];
  private rebalancing: Promise<void> = Promise.resolve();
  private renewing: Promise<void> | undefined;
  private intake = true;
  private closed = false;
  private lastWanted = '';

  constructor(private readonly o: NatsPartitionOwnershipOptions) {}

  /** Runs the first rebalance (acquiring what is free), then keeps renewing and rebalancing. */
  async start(): Promise<void> {
    await this.rebalance();
    const every = Math.max(100, Math.floor(this.o.ttlMs / 3));
    this.timers = [
      setInterval(() => void this.renew(), every),
      setInterval(() => void this.rebalance(), every),
    ];
  }

  /** Partitions whose lease is held right now. */
  held(): number[] {
    return [...this.leases.keys()].sort((a, b) => a - b);
  }

  /** Starts and acquires nothing more; held leases are still renewed until `close()`. */
  async stopIntake(): Promise<void> {
    this.intake = false;
    for (const lease of this.leases.values()) clearTimeout(lease.startTimer);
    await this.rebalancing;
  }

  /** Deletes the held leases and this member's announcement (call after the partitions' messages were released). */
  async close(): Promise<void> {
    this.intake = false;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.rebalancing;
    await this.renewing;
    const leases = [...this.leases];
    this.leases.clear();
    await Promise.all(
      leases.map(async ([partition, lease]) => {
        clearTimeout(lease.startTimer);
        await lease.work;
        await this.o.store.release(partition, lease.revision);
      }),
    );
    await this.o.store.leave(this.o.member).catch(() => undefined);
  }

  private renew(): Promise<void> {
    this.renewing ??= this.renewAll()
      .catch((err: unknown) => this.warn(`renewal failed (${(err as Error).message})`))
      .finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private rebalance(): Promise<void> {
    this.rebalancing = this.rebalancing
      .then(() => this.round())
      .catch((err: unknown) => this.warn(`rebalancing failed (${(err as Error).message})`));
    return this.rebalancing;
  }

  private async round(): Promise<void> {
    if (this.closed || !this.intake) return;
    await this.o.store.heartbeat(this.o.member);
    const members = await this.o.store.members();
    const wanted = new Set(assignedPartitions(members, this.o.member, this.o.partitions));
    const summary = `${[...wanted].join(',')} of ${members.length}`;
    if (summary !== this.lastWanted) {
      this.lastWanted = summary;
      this.o.logger.log?.(
        `${this.o.name}: ${members.length} member(s); partitions for this one: ${[...wanted].join(', ') || 'none'}`,
        'NatsTransport',
      );
    }
    for (const [partition, lease] of this.leases) {
      if (!wanted.has(partition) && !lease.leaving) this.giveBack(partition, lease);
    }
    for (const partition of wanted) {
      if (!this.leases.has(partition) && this.intake && !this.closed) await this.acquire(partition);
    }
  }

  private async renewAll(): Promise<void> {
    await Promise.all(
      [...this.leases].map(async ([partition, lease]) => {
        const sentAt = performance.now();
        if (this.revoked(partition, lease))
          return this.lose(partition, 'its lease ran out before it was renewed');
        const revision = await this.o.store
          .renew(partition, this.o.member, lease.revision)
          .catch(() => undefined);
        if (this.leases.get(partition) !== lease) return;
        if (revision === undefined) return this.lose(partition, 'its lease could not be renewed');
        if (this.revoked(partition, lease))
          return this.lose(partition, 'its lease ran out while it was renewed');
        lease.revision = revision;
        lease.validUntil = sentAt + this.o.ttlMs - fencingMarginMs(this.o.ttlMs);
      }),
    );
  }

  private lose(partition: number, why: string): void {
    const lease = this.leases.get(partition);
    if (!lease) return;
    lease.lost = true;
    this.leases.delete(partition);
    clearTimeout(lease.startTimer);
    this.warn(`partition ${partition} lost (${why}); stopped`);
    this.serially(lease, () => (lease.running ? this.o.runner.stop(partition, false) : undefined));
  }

  /** Stops the partition (its messages settle or are released), then deletes the lease. */
  private giveBack(partition: number, lease: Lease): void {
    lease.leaving = true;
    clearTimeout(lease.startTimer);
    this.serially(lease, async () => {
      if (lease.running) await this.o.runner.stop(partition, true);
      lease.running = false;
      if (this.leases.get(partition) !== lease) return;
      this.leases.delete(partition);
      await this.o.store.release(partition, lease.revision);
      this.o.logger.log?.(`${this.o.name}: partition ${partition} handed over`, 'NatsTransport');
    });
  }

  private async acquire(partition: number): Promise<void> {
    const sentAt = performance.now();
    const acquired = await this.o.store.acquire(partition, this.o.member);
    if (!acquired) return;
    const lease: Lease = {
      revision: acquired.revision,
      lost: false,
      validUntil: sentAt + this.o.ttlMs - fencingMarginMs(this.o.ttlMs),
      leaving: false,
      running: false,
      work: Promise.resolve(),
    };
    this.leases.set(partition, lease);
    const clean = acquired.previous === 'released' || (await this.o.runner.ackPending(partition)) === 0;
    const delay = clean ? 0 : this.o.ackWaitMs + HANDOVER_MARGIN_MS;
    if (delay > 0) {
      this.o.logger.log?.(
        `${this.o.name}: partition ${partition} acquired after its lease expired; starting in ${delay} ms`,
        'NatsTransport',
      );
    }
    lease.startTimer = setTimeout(() => this.serially(lease, () => this.run(partition, lease)), delay);
  }

  private async run(partition: number, lease: Lease): Promise<void> {
    if (lease.leaving || !this.intake || this.revoked(partition, lease)) return;
    lease.running = true;
    try {
      await this.o.runner.start(partition, () => this.revoked(partition, lease));
    } catch (err) {
      this.warn(`partition ${partition} could not start (${(err as Error).message}); giving it back`);
      this.giveBack(partition, lease);
    }
  }

  /** Runs `step` after the partition's earlier starts and stops. */
  private serially(lease: Lease, step: () => Promise<void> | void): void {
    lease.work = lease.work.then(step).catch((err: unknown) => this.warn((err as Error).message));
  }

  /** True once the lease is no longer held here, or its local validity passed; stays true from then on. */
  private revoked(partition: number, lease: Lease): boolean {
    if (!lease.lost && (this.leases.get(partition) !== lease || performance.now() >= lease.validUntil)) {
      lease.lost = true;
    }
    return lease.lost;
  }

  private warn(text: string): void {
    this.o.logger.warn(`${this.o.name}: ${text}`, 'NatsTransport');
  }
}
