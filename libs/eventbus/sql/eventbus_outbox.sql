-- The transactional outbox table of nest-ordered-eventbus (PostgreSQL 13 or later), for teams that manage
-- migrations themselves: apply this, and set `outbox: { createSchema: false }` (with `table` when you rename it).
-- By default the module creates the same table and indexes at start when they are missing.
--
-- Columns: one row per domain event written by `publishDomainEvent(topic, event, { transaction })`.
--   partition        hash of topic and aggregate id modulo `outbox.relay.partitions` (same for all instances)
--   envelope         the whole envelope as JSON
--   xid              the writing transaction's id: the relay publishes a row only once every transaction that
--                    got its id earlier has ended, and never before a lower pending version of its aggregate
--   attempts, next_attempt_at, last_error
--                    failed publishes: retried with backoff, the last error kept for inspection
-- Published rows are deleted, so the table holds only what is still to be published.
--
-- Indexes: (partition, id) lets each relay read its partitions' oldest due rows without scanning the table, and
-- (topic, aggregate_id, version, id) reads an aggregate's pending versions in order, also with a million
-- pending rows.

CREATE TABLE IF NOT EXISTS "eventbus_outbox" (
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
CREATE INDEX IF NOT EXISTS "eventbus_outbox_partition_idx" ON "eventbus_outbox" (partition, id);
CREATE INDEX IF NOT EXISTS "eventbus_outbox_aggregate_idx" ON "eventbus_outbox" (topic, aggregate_id, version, id);
