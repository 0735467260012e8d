import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { MissingDependencyError } from '../errors/missing-dependency.error';
import { loadOptionalPeer } from '../observability/optional-peer';
import type { ResolvedEventBusOptions } from '../options/event-bus.options';
import { OutboxWriter } from '../outbox/outbox-writer';
import type { SqlPool } from '../outbox/sql-client';
import { EVENT_BUS_OPTIONS } from './event-bus.constants';

interface PgModule {
  Pool: new (config: { connectionString: string }) => SqlPool;
}

/**
 * The module's outbox, when `outbox` is configured: its PostgreSQL pool (the given one, or one made from
 * `connectionString` with the `pg` package, loaded at start and closed at application shutdown) and the writer
 * `EventBus` uses for `publishDomainEvent(topic, event, { transaction })`. The table is created at start (unless
 * `createSchema` is false), so a write never needs a second connection from a pool its transaction may have
 * exhausted; a database that cannot be reached at start fails the start.
 */
@Injectable()
export class EventBusOutbox implements OnModuleInit, OnApplicationShutdown {
  /** Undefined when the module has no `outbox` option. */
  readonly writer: OutboxWriter | undefined;
  private ownPool: Promise<SqlPool> | undefined;

  constructor(@Inject(EVENT_BUS_OPTIONS) private readonly options: ResolvedEventBusOptions) {
    const outbox = options.outbox;
    this.writer = outbox ? new OutboxWriter(outbox, () => this.pool()) : undefined;
  }

  /** The pool of the outbox (made on first use from `connectionString`). */
  pool(): Promise<SqlPool> {
    const outbox = this.options.outbox;
    if (!outbox) return Promise.reject(new Error('EventBusModule has no "outbox" option.'));
    if (outbox.pool) return Promise.resolve(outbox.pool);
    this.ownPool ??= (async () => {
      const pg = await loadOptionalPeer<PgModule & { default?: PgModule }>('pg');
      const Pool = pg?.Pool ?? pg?.default?.Pool;
      if (!Pool) throw new MissingDependencyError('outbox.connectionString', 'pg');
      return new Pool({ connectionString: outbox.connectionString! });
    })();
    this.ownPool.catch(() => (this.ownPool = undefined));
    return this.ownPool;
  }

  async onModuleInit(): Promise<void> {
    await this.writer?.ensureSchema();
  }

  /** Closes the pool the module made (a given pool belongs to the application). */
  async onApplicationShutdown(): Promise<void> {
    const pool = await this.ownPool?.catch(() => undefined);
    this.ownPool = undefined;
    await pool?.end();
  }
}
