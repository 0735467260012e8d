/**
 * The PostgreSQL client seam. The outbox needs nothing but `query(text, values)`: a `pg` `Pool`, `PoolClient` or
 * `Client`, and TypeORM's `EntityManager` or `QueryRunner` all have it. The writer runs its one statement on the
 * client it is given (the caller's open transaction); the relay takes one connection from a pool.
 */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** A result as `pg` returns it. */
export interface SqlResult<R> {
  rows: R[];
  rowCount?: number | null;
}

/** A connection taken from a pool: the relay keeps one for its partition locks, `LISTEN` and queries. */
export interface SqlPoolClient {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<SqlResult<R>>;
  release(destroy?: boolean | Error): void;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  off(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'end', listener: () => void): unknown;
}

/** A `pg` `Pool` (typed structurally, so applications without `pg` still compile). */
export interface SqlPool {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<SqlResult<R>>;
  connect(): Promise<SqlPoolClient>;
  end(): Promise<void>;
}
