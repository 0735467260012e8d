import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { MissingDependencyError } from '../../../errors/missing-dependency.error';

/** How an acquired lease was found: never held or expired (`vacant`), or given back by its last owner (`released`). */
export type LeaseAcquisition = { readonly revision: number; readonly previous: 'vacant' | 'released' };

/**
 * Leases and membership of one group (a durable consumer base name) in a NATS KV bucket
 * `eventbus-leases-<ttlMs>` whose entries expire `ttlMs` after their last write (bucket-level `max_age`: every
 * group with the same TTL shares it). Keys: `<group>.m.<member>` (a live member) and `<group>.p.<partition>`
 * (the owner of a partition). `@nats-io/kv` is loaded on first use; `MissingDependencyError` when absent.
 *
 * Acquire = create (fails while another owner's entry lives), renew = compare-and-set on the revision (fails once
 * the entry expired or another owner took it), release = delete (leaves a marker, so the next owner knows it was
 * given back). nats-server 2.9 leaves no marker when an entry expires: expiry is seen by polling.
 */
export class NatsLeaseStore {
  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
    private readonly group: string,
  ) {}

  /** `load` imports `@nats-io/kv` (replaceable to check the missing-package path). */
  static async open(
    nc: NatsConnection,
    group: string,
    ttlMs: number,
    load: () => Promise<typeof import('@nats-io/kv')> = () => import('@nats-io/kv'),
  ): Promise<NatsLeaseStore> {
    let kvModule: typeof import('@nats-io/kv');
    try {
      kvModule = await load();
    } catch (error) {
      const { code } = (error ?? {}) as { code?: unknown };
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        throw new MissingDependencyError('nats.partitions', '@nats-io/kv', { cause: error });
      }
      throw error;
    }
    const bucket = `eventbus-leases-${ttlMs}`;
    const kv = await new kvModule.Kvm(nc).create(bucket, { ttl: ttlMs, history: 1 });
    return new NatsLeaseStore(kv, await jetstreamManager(nc), bucket, group);
  }

  /** Announces (or keeps announcing) `member` as live. */
  async heartbeat(member: string): Promise<void> {
    await this.kv.put(this.memberKey(member), member);
  }

  /** Leaves the group at once (graceful close). */
  async leave(member: string): Promise<void> {
    await this.kv.delete(this.memberKey(member));
  }

  /**
   * Ids of the members whose announcement has not expired, read in one request from the bucket stream's subject
   * counts (no consumer is created; a member that left is gone, its delete marker is skipped).
   */
  async members(): Promise<string[]> {
    const prefix = `$KV.${this.bucket}.${this.group}.m.`;
    const info = await this.jsm.streams.info(`KV_${this.bucket}`, { subjects_filter: `${prefix}*` });
    const members: string[] = [];
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const member = subject.slice(prefix.length);
      const entry = await this.kv.get(`${this.group}.m.${member}`);
      if (entry?.operation === 'PUT') members.push(member);
    }
    return members;
  }

  /** Takes the lease of `partition` for `owner`; undefined while another owner holds it. */
  async acquire(partition: number, owner: string): Promise<LeaseAcquisition | undefined> {
    const key = this.partitionKey(partition);
    const last = await this.kv.get(key);
    if (last && last.operation === 'PUT') return undefined;
    try {
      const revision = await this.kv.create(key, owner);
      return { revision, previous: last ? 'released' : 'vacant' };
    } catch {
      return undefined;
    }
  }

  /** Extends the lease held at `revision`; the new revision, or undefined when it was lost. */
  async renew(partition: number, owner: string, revision: number): Promise<number | undefined> {
    try {
      return await this.kv.update(this.partitionKey(partition), owner, revision);
    } catch {
      return undefined;
    }
  }

  /** Gives the lease held at `revision` back; nothing happens when it was lost meanwhile. */
  async release(partition: number, revision: number): Promise<void> {
    await this.kv.delete(this.partitionKey(partition), { previousSeq: revision }).catch(() => undefined);
  }

  private memberKey(member: string): string {
    return `${this.group}.m.${member}`;
  }

  private partitionKey(partition: number): string {
    return `${this.group}.p.${partition}`;
  }
}
