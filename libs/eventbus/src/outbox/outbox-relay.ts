import type { DomainEventEnvelope } from '../envelope/domain-event-envelope';
import type { ResolvedOutboxOptions } from './outbox.options';
import { outboxNames, type OutboxNames } from './outbox-schema';
import { publishableRuns, type OutboxRow } from './publishable-runs';
import { doublingDelayMs } from '../policy/retry-schedule';
import { RelayPace } from './relay-pace';
import type { SqlPool, SqlPoolClient } from './sql-client';

/** Where the relay writes what it does. */
export interface OutboxRelayLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What the relay needs from its surroundings. */
export interface OutboxRelayDeps {
  readonly pool: SqlPool;
  readonly options: ResolvedOutboxOptions;
  /** Publishes one envelope; resolves once the broker confirmed it. */
  readonly publish: (topic: string, envelope: DomainEventEnvelope) => Promise<void>;
  readonly logger: OutboxRelayLogger;
  /** Creates the table when missing (before the first read). */
  readonly ensureSchema: () => Promise<void>;
}

/** An aggregate whose next row the broker did not accept yet. */
export interface OutboxFailure {
  readonly topic: string;
  readonly aggregateId: string;
  readonly version: number;
  /** Publish attempts of that row so far. */
  readonly attempts: number;
  readonly error: string;
  /** Seconds since its first failure. */
  readonly seconds: number;
}

/** What the relay reports for health checks. */
export interface OutboxRelayStatus {
  readonly running: boolean;
  /** Partitions this instance owns (holds the advisory lock of). */
  readonly ownedPartitions: number;
  /** Aggregates whose next row failed to publish and waits for a retry: the last error, and for how long. */
  readonly failing: readonly OutboxFailure[];
  /** The last error of the relay itself (database unreachable, ...), until a round succeeds. */
  readonly lastError: string | undefined;
}

interface RawRow {
  id: string;
  partition: number;
  topic: string;
  aggregate_id: string;
  version: string;
  envelope: DomainEventEnvelope;
  attempts: number;
  due: boolean;
  settled: boolean;
}

/**
 * Publishes committed outbox rows. Every instance may run one: partitions (a hash of topic and aggregate id) are
 * owned through session advisory locks, so one relay at a time publishes a given aggregate; the relays share the
 * partitions evenly, and a relay that dies loses its locks with its connection and the others take over. In each
 * round one query reads, for every owned partition, the oldest due rows (at most `batchSize`) together with every
 * lower pending version of their aggregates; the relay publishes what `publishableRuns` allows (aggregates in
 * parallel, each in version order) and deletes the rows the broker confirmed with one statement. A row whose
 * publish fails is kept, logged, and tried again after a doubling delay (`initialRetryDelayMs` to
 * `maxRetryDelayMs`); only its aggregate waits. The relay uses one connection of the pool, for its locks,
 * `LISTEN` and queries alike, so it never competes with writers for more. Rounds are paced by `RelayPace`
 * (a writer's `NOTIFY` starts one at once) and run back to back while a partition has a full batch; partitions
 * are rebalanced at most every `pollIntervalMs`. At-least-once: a crash between publish and delete publishes the
 * row again.
 */
export class OutboxRelay {
  private readonly names: OutboxNames;
  private readonly selectSql: string;
  private readonly pace: RelayPace;
  /** When the partitions were last balanced (`performance.now()`). */
  private balancedAt = -Infinity;
  private running = false;
  private loop: Promise<void> | undefined;
  private lockClient: SqlPoolClient | undefined;
  /** Removes the relay's listeners from the lock connection (the pool keeps its own). */
  private forgetLockClient: (() => void) | undefined;
  private readonly owned = new Set<number>();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private lastError: string | undefined;
  private readonly failing = new Map<string, Omit<OutboxFailure, 'seconds'> & { since: number }>();

  constructor(private readonly deps: OutboxRelayDeps) {
    this.names = outboxNames(deps.options.table);
    this.pace = new RelayPace(deps.options.relay.pollIntervalMs);
    const t = this.names.table;
    this.selectSql = `WITH picked AS (
  SELECT d.topic, d.aggregate_id, d.version FROM unnest($1::int[]) AS p(partition)
  CROSS JOIN LATERAL (
    SELECT topic, aggregate_id, version FROM ${t}
    WHERE partition = p.partition AND next_attempt_at <= now() ORDER BY id LIMIT $2
  ) d
), heads AS (
  SELECT topic, aggregate_id, max(version) AS upto FROM picked GROUP BY topic, aggregate_id
)
SELECT o.id::text AS id, o.partition, o.topic, o.aggregate_id, o.version::text AS version, o.envelope,
  o.attempts, o.next_attempt_at <= now() AS due, o.xid < pg_snapshot_xmin(pg_current_snapshot()) AS settled
FROM heads h JOIN ${t} o ON o.topic = h.topic AND o.aggregate_id = h.aggregate_id AND o.version <= h.upto
ORDER BY o.topic, o.aggregate_id, o.version, o.id`;
  }

  /** Starts the background loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the round in flight (its publishes are bounded by `publishTimeoutMs`), then releases the locks. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  status(): OutboxRelayStatus {
    return {
      running: this.running,
      ownedPartitions: this.owned.size,
      failing: [...this.failing.values()].map(({ since, ...failure }) => ({
        ...failure,
        seconds: (Date.now() - since) / 1_000,
      })),
      lastError: this.lastError,
    };
  }

  private async run(): Promise<void> {
    while (this.running) {
      let more = false;
      try {
        await this.deps.ensureSchema();
        const client = await this.lockConnection();
        if (performance.now() - this.balancedAt >= this.deps.options.relay.pollIntervalMs) {
          await this.balancePartitions(client);
          this.balancedAt = performance.now();
        }
        more = await this.round(client);
        this.lastError = undefined;
      } catch (error) {
        this.lastError = describe(error);
        this.deps.logger.error(`Outbox relay round failed, trying again: ${this.lastError}`);
        await this.dropLocks();
      }
      if (!more) await this.sleep(this.pace.next());
    }
    await this.dropLocks();
  }

  /**
   * One pass over the owned partitions; true when some partition may have more right away. Every publish of the
   * round ends before the round does, also when one fails: locks are only released (after a failure, or to
   * rebalance) while nothing of theirs is in flight.
   */
  private async round(client: SqlPoolClient): Promise<boolean> {
    if (this.owned.size === 0) return false;
    const { batchSize } = this.deps.options.relay;
    const { rows } = await client.query<RawRow>(this.selectSql, [[...this.owned], batchSize]);
    const published: string[] = [];
    const outcomes = await Promise.allSettled(
      publishableRuns(rows.map(toOutboxRow)).map(async (run) => {
        for (const row of run) {
          if (!this.owned.has(row.partition)) return;
          try {
            await this.deps.publish(row.topic, row.envelope);
          } catch (error) {
            await this.failed(client, row, error);
            return;
          }
          published.push(row.id);
          this.failing.delete(aggregateKey(row));
        }
      }),
    );
    if (published.length > 0) {
      this.pace.active();
      await client.query(`DELETE FROM ${this.names.table} WHERE id = ANY($1::bigint[])`, [published]);
    }
    const failed = outcomes.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
    return published.length > 0 && fullBatch(rows, batchSize);
  }

  /** Keeps the row, records the failure and delays the aggregate's pending rows. */
  private async failed(client: SqlPoolClient, row: OutboxRow, error: unknown): Promise<void> {
    const { initialRetryDelayMs, maxRetryDelayMs } = this.deps.options.relay;
    const attempts = row.attempts + 1;
    const delayMs = doublingDelayMs(attempts - 1, initialRetryDelayMs, maxRetryDelayMs);
    const message = describe(error);
    const key = aggregateKey(row);
    this.failing.set(key, {
      topic: row.topic,
      aggregateId: row.aggregateId,
      version: row.version,
      attempts,
      error: message,
      since: this.failing.get(key)?.since ?? Date.now(),
    });
    this.deps.logger.error(
      `Outbox row ${row.id} (topic "${row.topic}", aggregate "${row.aggregateId}", version ${row.version}) ` +
        `could not be published (attempt ${attempts}), trying again in ${delayMs} ms: ${message}`,
    );
    await client.query(
      `UPDATE ${this.names.table} SET
         attempts = attempts + (id = $1)::int,
         last_error = CASE WHEN id = $1 THEN $2 ELSE last_error END,
         next_attempt_at = greatest(next_attempt_at, now() + make_interval(secs => $5::float8 / 1000))
       WHERE topic = $3 AND aggregate_id = $4`,
      [row.id, message.slice(0, 2_000), row.topic, row.aggregateId, delayMs],
    );
  }

  /**
   * Owns a fair share of the partitions: `ceil(partitions / relays)`, where relays are the sessions holding the
   * table's shared membership lock (this one included). Takes free partitions up to the share and releases what
   * is above it, between rounds only, so a partition changes hands only when its owner has no publish in flight.
   */
  private async balancePartitions(client: SqlPoolClient): Promise<void> {
    const { partitions } = this.deps.options.relay;
    const lockSpace = this.names.lockSpace;
    const { rows: holders } = await client.query<{ others: number }>(
      `SELECT count(DISTINCT pid)::int AS others FROM pg_locks
       WHERE locktype = 'advisory' AND objsubid = 2 AND classid = ($1::bigint & 4294967295)::oid
         AND objid = ($2::bigint & 4294967295)::oid AND granted AND pid <> pg_backend_pid()`,
      [lockSpace, MEMBERSHIP_KEY],
    );
    const share = Math.ceil(partitions / (holders[0]!.others + 1));
    if (this.owned.size > share) {
      const excess = [...this.owned].sort((a, b) => b - a).slice(0, this.owned.size - share);
      await client.query('SELECT pg_advisory_unlock($1, p) FROM unnest($2::int[]) AS p', [lockSpace, excess]);
      for (const p of excess) this.owned.delete(p);
      return;
    }
    if (this.owned.size === share) return;
    const free = [];
    for (let p = 0; p < partitions; p++) if (!this.owned.has(p)) free.push(p);
    const { rows } = await client.query<{ p: number }>(
      'SELECT p FROM unnest($2::int[]) AS p WHERE pg_try_advisory_lock($1, p) LIMIT $3',
      [lockSpace, free, share - this.owned.size],
    );
    for (const { p } of rows) this.owned.add(p);
  }

  private async lockConnection(): Promise<SqlPoolClient> {
    if (this.lockClient) return this.lockClient;
    const client = await this.deps.pool.connect();
    const onError = (error: Error) => lost(describe(error));
    const onEnd = () => lost('closed');
    const onNotification = () => {
      this.pace.active();
      this.wake();
    };
    this.forgetLockClient = () => {
      client.off('error', onError);
      client.off('end', onEnd);
      client.off('notification', onNotification);
    };
    const lost = (reason: string) => {
      if (this.lockClient !== client) return;
      this.deps.logger.warn(
        `Outbox relay lost its lock connection (${reason}); partitions are claimed again.`,
      );
      this.lockClient = undefined;
      this.owned.clear();
      this.balancedAt = -Infinity;
      this.forgetLockClient?.();
      client.release(true);
    };
    client.on('error', onError);
    client.on('end', onEnd);
    client.on('notification', onNotification);
    this.lockClient = client;
    // Published rows are deleted, so until VACUUM each partition's head holds dead rows. A bitmap scan (which
    // the planner picks for small tables) reads every one of them again in every round; a plain index scan
    // marks them dead in the index on first sight and skips them afterwards.
    await client.query(
      "SELECT pg_advisory_lock_shared($1, $2), set_config('enable_bitmapscan', 'off', false)",
      [this.names.lockSpace, MEMBERSHIP_KEY],
    );
    if (this.deps.options.relay.notify) await client.query(`LISTEN "${this.names.channel}"`);
    return client;
  }

  private async dropLocks(): Promise<void> {
    const client = this.lockClient;
    this.lockClient = undefined;
    this.owned.clear();
    this.balancedAt = -Infinity;
    if (!client) return;
    this.forgetLockClient?.();
    try {
      await client.query('SELECT pg_advisory_unlock_all(); RESET enable_bitmapscan');
      if (this.deps.options.relay.notify) await client.query('UNLISTEN *');
      client.release();
    } catch {
      client.release(true);
    }
  }

  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
    this.woken = false;
  }
}

function toOutboxRow(raw: RawRow): OutboxRow {
  return {
    id: raw.id,
    partition: raw.partition,
    topic: raw.topic,
    aggregateId: raw.aggregate_id,
    version: Number(raw.version),
    envelope: raw.envelope,
    attempts: raw.attempts,
    due: raw.due,
    settled: raw.settled,
  };
}

/** True when some partition returned at least `batchSize` rows (its oldest due rows may go on beyond them). */
function fullBatch(rows: readonly RawRow[], batchSize: number): boolean {
  const perPartition = new Map<number, number>();
  for (const { partition } of rows) {
    const n = (perPartition.get(partition) ?? 0) + 1;
    if (n >= batchSize) return true;
    perPartition.set(partition, n);
  }
  return false;
}

/** Second key of the shared advisory lock every running relay of a table holds, so relays can count each other. */
const MEMBERSHIP_KEY = -2;

const aggregateKey = (row: OutboxRow) => `${row.topic}\u0000${row.aggregateId}`;

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
