import { InvalidOptionsError } from '../errors/invalid-options.error';
import { check } from '../options/option-checks';
import { OPTION_KEYS } from '../options/option-keys';
import { checkedSection } from '../options/unknown-keys';
import type { SqlPool } from './sql-client';

/** How the outbox relay runs (`outbox.relay`). Every instance of the application may run it. */
export interface OutboxRelayOptions {
  /** Run the relay in this process. Default `true`. */
  enabled?: boolean;
  /**
   * Key-hash partitions: rows of one aggregate share a partition, and one relay at a time owns a partition
   * (a PostgreSQL advisory lock). Fixed for a table: every instance must use the same value, and it may only
   * change while the outbox is empty. Default `16`.
   */
  partitions?: number;
  /** Rows read per partition and round. Default `100`. */
  batchSize?: number;
  /**
   * The longest wait between two relay rounds (ms). After a round that published, or a writer's `NOTIFY`, the
   * relay looks again after 10 ms, doubling the wait while it finds nothing. Default `1000`.
   */
  pollIntervalMs?: number;
  /**
   * Writers `NOTIFY` (at most once per 25 ms per process) and the relay `LISTEN`s, so rows go out without waiting
   * for the poll after a quiet period. Default `true`.
   */
  notify?: boolean;
  /** Delay before a row whose publish failed is tried again, doubling per failure (ms). Default `1000`. */
  initialRetryDelayMs?: number;
  /** Upper bound of that delay (ms). Default `60000`. */
  maxRetryDelayMs?: number;
}

/**
 * `EventBusModule.forRoot({ outbox })`: `publishDomainEvent(topic, event, { transaction })` writes the event to a
 * PostgreSQL table in the caller's transaction, and a relay publishes committed rows. Needs the `pg` package when
 * given `connectionString`; a given `pool` is used as it is (and not closed by the module).
 */
export interface OutboxOptions {
  /** A `pg` `Pool` the relay and the schema set-up use. One of `pool` or `connectionString`. */
  pool?: SqlPool;
  /** A PostgreSQL connection string; the module then makes (and closes) its own `pg` `Pool`. */
  connectionString?: string;
  /** The outbox table, optionally schema-qualified (`'app.eventbus_outbox'`). Default `'eventbus_outbox'`. */
  table?: string;
  /** Create the table and its indexes when missing, at start and before the first write. Default `true`. */
  createSchema?: boolean;
  relay?: OutboxRelayOptions;
}

export interface ResolvedOutboxOptions {
  pool: SqlPool | undefined;
  connectionString: string | undefined;
  /** The table name as given (validated). */
  table: string;
  createSchema: boolean;
  relay: Required<OutboxRelayOptions>;
}

const TABLE_NAME = /^([a-z_][a-z0-9_$]{0,62}\.)?[a-z_][a-z0-9_$]{0,62}$/;

/** Applies defaults and validates `outbox`; throws `InvalidOptionsError` naming the option. */
export function resolveOutboxOptions(options: OutboxOptions): ResolvedOutboxOptions {
  const o = checkedSection('outbox', options, OPTION_KEYS.outbox);
  const r = checkedSection('outbox.relay', o.relay, OPTION_KEYS.outboxRelay);
  const hasPool = o.pool !== undefined;
  const hasUrl = o.connectionString !== undefined;
  if (hasPool === hasUrl) {
    throw new InvalidOptionsError('outbox', 'exactly one of pool or connectionString', o, {
      message:
        'EventBusModule option "outbox" needs exactly one of "pool" (a pg Pool) or "connectionString"; ' +
        `got ${hasPool ? 'both' : 'neither'}.`,
    });
  }
  if (hasPool) {
    const pool = o.pool as Partial<SqlPool> | null;
    if (typeof pool?.query !== 'function' || typeof pool.connect !== 'function') {
      throw new InvalidOptionsError('outbox.pool', 'a pg Pool (with query and connect)', o.pool);
    }
  }
  const table = o.table ?? 'eventbus_outbox';
  if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
    throw new InvalidOptionsError(
      'outbox.table',
      'a lower-case PostgreSQL identifier, optionally schema-qualified (e.g. "app.eventbus_outbox")',
      table,
    );
  }
  const initialRetryDelayMs = check.durationMs(
    'outbox.relay.initialRetryDelayMs',
    r.initialRetryDelayMs ?? 1_000,
    1,
  );
  const maxRetryDelayMs = check.durationMs('outbox.relay.maxRetryDelayMs', r.maxRetryDelayMs ?? 60_000, 1);
  if (maxRetryDelayMs < initialRetryDelayMs) {
    throw new InvalidOptionsError(
      'outbox.relay.maxRetryDelayMs',
      `>= outbox.relay.initialRetryDelayMs (${initialRetryDelayMs})`,
      maxRetryDelayMs,
    );
  }
  return {
    pool: o.pool,
    connectionString: hasUrl
      ? check.nonEmptyString('outbox.connectionString', o.connectionString!)
      : undefined,
    table,
    createSchema: check.boolean('outbox.createSchema', o.createSchema ?? true),
    relay: {
      enabled: check.boolean('outbox.relay.enabled', r.enabled ?? true),
      partitions: check.integer('outbox.relay.partitions', r.partitions ?? 16, 1, 32_767),
      batchSize: check.integer('outbox.relay.batchSize', r.batchSize ?? 100, 1, 10_000),
      pollIntervalMs: check.durationMs('outbox.relay.pollIntervalMs', r.pollIntervalMs ?? 1_000, 1),
      notify: check.boolean('outbox.relay.notify', r.notify ?? true),
      initialRetryDelayMs,
      maxRetryDelayMs,
    },
  };
}
