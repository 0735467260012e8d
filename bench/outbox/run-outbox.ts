// `npm run bench:outbox [-- --transport nats|kafka|memory] [--events 5000] [--concurrency 32]`: publish throughput
// through the transactional outbox (one transaction per event, committed) next to direct publishing and to a
// committed transaction followed by a direct publish (the dual write the outbox replaces), and the
// relay lag (commit to handled). Uses a fresh PostgreSQL database (EVENTBUS_POSTGRES_URL, default
// postgres://postgres@127.0.0.1:5432/postgres) and the brokers of `npm run brokers:up`; writes
// bench/results/outbox.md.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EventBusModuleOptions } from '@app/eventbus';
import { createOutboxDatabase, inTransaction } from '../../test/outbox/outbox-database';
import { startConsumer } from '../../test/outbox/outbox-app';
import { TRANSPORTS } from '../../test/support/transports';
import { uniqueName } from '../../test/support/brokers';
import { waitFor } from '../../test/support/recorder';

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'nats' },
    events: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const transport = TRANSPORTS.find((t) => t.name === values.transport);
if (!transport) throw new Error(`unknown transport ${values.transport} (memory, kafka, nats)`);
const EVENTS = Number(values.events);
const CONCURRENCY = Number(values.concurrency);
const AGGREGATES = 100;

/** Runs `work(i)` for i in [0, n) with at most `concurrency` at once; resolves with the elapsed ms. */
async function timed(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
  return performance.now() - started;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

const db = await createOutboxDatabase('eventbus_outbox_bench');
const scope = uniqueName('bench-outbox');
const directTopic = `${scope}.direct`;
const outboxTopic = `${scope}.outbox`;
const options: EventBusModuleOptions = {
  ...transport.options(scope),
  outbox: {
    pool: db.pool,
    relay: { batchSize: 500, pollIntervalMs: 200, notify: process.env.BENCH_NOTIFY !== '0' },
  },
  observability: { metrics: false, tracing: false },
};
const { app, recorder } = await startConsumer(options, outboxTopic);
const committedAt = new Map<string, number>();
const handledAt = new Map<string, number>();
const succeeded = recorder.succeeded.bind(recorder);
recorder.succeeded = (aggregateId, version) => {
  handledAt.set(`${aggregateId}:${version}`, performance.now());
  succeeded(aggregateId, version);
};
const event = (i: number) => ({
  aggregateId: `agg-${i % AGGREGATES}`,
  type: 'Bench',
  version: Math.floor(i / AGGREGATES) + 1,
  payload: { i, text: 'x'.repeat(200) },
});

await db.pool.query('CREATE TABLE bench_business (n integer NOT NULL)');
try {
  const directMs = await timed(EVENTS, CONCURRENCY, async (i) => {
    await app.bus.publishDomainEvent(directTopic, event(i));
  });
  const dualWriteMs = await timed(EVENTS, CONCURRENCY, async (i) => {
    await inTransaction(db.pool, (tx) => tx.query('INSERT INTO bench_business (n) VALUES ($1)', [i]));
    await app.bus.publishDomainEvent(directTopic, event(i));
  });
  const outboxMs = await timed(EVENTS, CONCURRENCY, async (i) => {
    const e = event(i);
    await inTransaction(db.pool, async (tx) => {
      await tx.query('INSERT INTO bench_business (n) VALUES ($1)', [i]);
      await app.bus.publishDomainEvent(outboxTopic, e, { transaction: tx });
    });
    committedAt.set(`${e.aggregateId}:${e.version}`, performance.now());
  });
  await waitFor(
    () => handledAt.size >= EVENTS,
    () => `handled ${handledAt.size} of ${EVENTS}`,
    300_000,
  );
  const lags = [...committedAt].map(([key, at]) => handledAt.get(key)! - at).sort((a, b) => a - b);
  const direct = EVENTS / (directMs / 1000);
  const outbox = EVENTS / (outboxMs / 1000);
  const dualWrite = EVENTS / (dualWriteMs / 1000);
  const table = [
    `| ${transport.name}, ${EVENTS} events, ${CONCURRENCY} at once | events/s | vs direct | vs dual write |`,
    '|---|---:|---:|---:|',
    `| direct publish (broker confirmed) | ${direct.toFixed(0)} | 1.00 | |`,
    `| business row committed, then direct publish (dual write, not atomic) | ${dualWrite.toFixed(0)} | ${(dualWrite / direct).toFixed(2)} | 1.00 |`,
    `| business row and outbox row in one committed transaction | ${outbox.toFixed(0)} | ${(outbox / direct).toFixed(2)} | ${(outbox / dualWrite).toFixed(2)} |`,
    '',
    `Relay lag, commit to handled: p50 ${percentile(lags, 0.5).toFixed(0)} ms, p99 ${percentile(lags, 0.99).toFixed(0)} ms, max ${lags.at(-1)!.toFixed(0)} ms.`,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  writeFileSync(fileURLToPath(new URL('../results/outbox.md', import.meta.url)), `${table}\n`);
} finally {
  await app.close();
  await db.drop();
  await transport.cleanup?.();
}
