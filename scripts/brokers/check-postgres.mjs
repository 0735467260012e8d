// Exits 0 when PostgreSQL 13 or later accepts a connection and a query.
// Address: EVENTBUS_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres, trust auth).
import pg from 'pg';

const connectionString = process.env.EVENTBUS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const client = new pg.Client({ connectionString, connectionTimeoutMillis: 2000 });
try {
  await client.connect();
  const { rows } = await client.query('SHOW server_version_num');
  await client.end();
  process.exit(Number(rows[0].server_version_num) >= 130000 ? 0 : 2);
} catch {
  process.exit(1);
}
