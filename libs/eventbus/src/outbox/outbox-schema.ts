import type { SqlClient } from './sql-client';

/** The SQL names derived from the configured table name. */
export interface OutboxNames {
  /** The quoted, possibly schema-qualified table name. */
  readonly table: string;
  /** The `LISTEN/NOTIFY` channel: the table name with `.` as `_`. */
  readonly channel: string;
  /** First key of the relay's advisory locks (`pg_try_advisory_lock(lockSpace, partition)`). */
  readonly lockSpace: number;
  /** Index name prefix: the unqualified table name. */
  readonly base: string;
  /** The schema, when the table name is qualified. */
  readonly schema: string | undefined;
}

/** The names for table `table` (already validated: lower-case identifiers, at most one dot). */
export function outboxNames(table: string): OutboxNames {
  const [schema, base] = table.includes('.') ? table.split('.') : [undefined, table];
  return {
    table: schema ? `"${schema}"."${base}"` : `"${base}"`,
    channel: table.replace('.', '_'),
    lockSpace: fnv1a32(`eventbus-outbox:${table}`) | 0,
    base: base!,
    schema,
  };
}

/**
 * The outbox table and its indexes (PostgreSQL 13 or later, for `pg_current_xact_id()`).
 * - `xid`: the writing transaction's id, for the relay's rule that nothing earlier can still appear.
 * - `(partition, id)`: the relay reads each partition's oldest due rows from this index.
 * - `(topic, aggregate_id, version, id)`: the relay reads an aggregate's pending rows in version order.
 * Published rows are deleted, so the table holds only what is still to be published.
 */
export function outboxSchemaSql(table: string): string {
  const n = outboxNames(table);
  const createSchema = n.schema ? `CREATE SCHEMA IF NOT EXISTS "${n.schema}";\n` : '';
  return `${createSchema}CREATE TABLE IF NOT EXISTS ${n.table} (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic           text        NOT NULL,
  aggregate_id    text        NOT NULL,
  version         bigint      NOT NULL,
  partition       smallint    NOT NULL,
  envelope        json        NOT NULL,
  xid             xid8        NOT NULL DEFAULT pg_current_xact_id(),
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text
);
CREATE INDEX IF NOT EXISTS "${n.base}_partition_idx" ON ${n.table} (partition, id);
CREATE INDEX IF NOT EXISTS "${n.base}_aggregate_idx" ON ${n.table} (topic, aggregate_id, version, id);
`;
}

/**
 * Creates the table and indexes when missing. Runs in its own transaction under an advisory lock, so instances
 * starting together do not race on `CREATE ... IF NOT EXISTS`.
 */
export async function ensureOutboxSchema(client: SqlClient, table: string): Promise<void> {
  const n = outboxNames(table);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, -1)', [n.lockSpace]);
    await client.query(outboxSchemaSql(table));
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** FNV-1a 32-bit hash of the UTF-8 bytes of `text`, unsigned. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The key-hash partition of an aggregate on a topic: every row of one aggregate lands in the same one. */
export function outboxPartition(topic: string, aggregateId: string, partitions: number): number {
  return fnv1a32(`${topic}\u0000${aggregateId}`) % partitions;
}
