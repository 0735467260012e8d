import type { DomainEventEnvelope } from '../envelope/domain-event-envelope';
import type { ResolvedOutboxOptions } from './outbox.options';
import { ensureOutboxSchema, outboxNames, outboxPartition } from './outbox-schema';
import type { SqlClient, SqlPool } from './sql-client';

/**
 * Writers of one process send `NOTIFY` at most this often (ms). PostgreSQL serializes the commits of all
 * transactions that notified (a database-wide lock held through the commit's WAL flush), so a notification in
 * every transaction would cap the outbox at one commit per flush; the relay finds the rows of transactions that
 * did not notify by polling soon after activity (`RelayPace`).
 */
export const NOTIFY_INTERVAL_MS = 25;

/**
 * Writes domain events to the outbox table inside the caller's open transaction: one `INSERT` on the given
 * client, which with `relay.notify` also carries a `pg_notify` (delivered at commit) when this process has not
 * sent one for `NOTIFY_INTERVAL_MS`. If the transaction rolls back, the event never existed; once it commits,
 * the relay publishes it. `ensureSchema` creates the table (through the pool, outside any caller's transaction)
 * unless `createSchema` is off; the module calls it at start, and a write calls it again only if that failed.
 */
export class OutboxWriter {
  private readonly insertSql: string;
  /** The insert that also notifies the relays; undefined without `relay.notify`. */
  private readonly notifyingInsertSql: string | undefined;
  private lastNotifyAt = -Infinity;
  private schema: Promise<void> | undefined;

  constructor(
    private readonly options: ResolvedOutboxOptions,
    private readonly pool: () => Promise<SqlPool>,
  ) {
    const n = outboxNames(options.table);
    const insert =
      `INSERT INTO ${n.table} (topic, aggregate_id, version, partition, envelope) ` +
      'VALUES ($1, $2, $3, $4, $5)';
    this.insertSql = insert;
    this.notifyingInsertSql = options.relay.notify
      ? `WITH written AS (${insert} RETURNING partition) SELECT pg_notify('${n.channel}', partition::text) FROM written`
      : undefined;
  }

  /** Creates the table when missing (once per process; a failure is tried again on the next call). */
  ensureSchema(): Promise<void> {
    if (!this.options.createSchema) return Promise.resolve();
    this.schema ??= (async () => {
      const pool = await this.pool();
      const client = await pool.connect();
      try {
        await ensureOutboxSchema(client, this.options.table);
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      this.schema = undefined;
      throw error;
    });
    return this.schema;
  }

  /** Inserts `envelope` for `topic` on `transaction` (a client inside the caller's open transaction). */
  async write(transaction: SqlClient, topic: string, envelope: DomainEventEnvelope): Promise<void> {
    await this.ensureSchema();
    const partition = outboxPartition(topic, envelope.aggregateId, this.options.relay.partitions);
    await transaction.query(this.notifyNow() ? this.notifyingInsertSql! : this.insertSql, [
      topic,
      envelope.aggregateId,
      envelope.version,
      partition,
      JSON.stringify(envelope),
    ]);
  }

  /** True when this write should notify: `relay.notify` is on and the last notification is old enough. */
  private notifyNow(): boolean {
    if (!this.notifyingInsertSql) return false;
    const now = Date.now();
    if (now - this.lastNotifyAt < NOTIFY_INTERVAL_MS) return false;
    this.lastNotifyAt = now;
    return true;
  }
}
