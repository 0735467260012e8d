// `npm run bench:outbox [-- --transport nats|kafka|memory] [--events 5000] [--concurrency 32] [--rounds 3]`:
// publishing through the transactional outbox next to publishing directly, with and without a business row in
// the transaction, next to the dual write the outbox replaces (business row committed, then a direct publish)
// and to the business row's transaction alone (no event: the database's own pace), next to the same work
// without an outbox (the business transaction and a direct publish side by side), and the relay lag (commit to
// handled). One application publishes, relays (default relay options) and consumes every event of every
// phase; a phase's rate counts until its last event was confirmed by the broker, and the next phase starts once
// every event was handled. Every phase runs once with a tenth of the events to
// warm up (compiled code, pool and broker connections), then `rounds` times in turn; each row reports its median
// round. Uses a fresh PostgreSQL database (EVENTBUS_POSTGRES_URL, default
// postgres://postgres@127.0.0.1:5432/postgres) and the brokers of `npm run brokers:up`; writes its table into
// bench/results/outbox.md, under a heading per transport (the other transports' latest tables stay). BENCH_NOTIFY=0 turns `relay.notify` off.
import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EventBusModuleOptions, NewDomainEvent } from '@app/eventbus';
import type pg from 'pg';
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
    rounds: { type: 'string', default: '3' },
  },
});
const transport = TRANSPORTS.find((t) => t.name === values.transport);
if (!transport) throw new Error(`unknown transport ${values.transport} (memory, kafka, nats)`);
const EVENTS = Number(values.events);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
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
const ascending = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => percentile(ascending(values), 0.5);

const db = await createOutboxDatabase('eventbus_outbox_bench');
const scope = uniqueName('bench-outbox');
const directTopic = `${scope}.direct`;
const outboxTopic = `${scope}.outbox`;
const options: EventBusModuleOptions = {
  ...transport.options(scope),
  outbox: { pool: db.pool, relay: { notify: process.env.BENCH_NOTIFY !== '0' } },
  observability: { metrics: false, tracing: false },
};
const { app, recorder } = await startConsumer(options, [directTopic, outboxTopic]);
const handledAt = new Map<string, number>();
const succeeded = recorder.succeeded.bind(recorder);
recorder.succeeded = (aggregateId, version) => {
  handledAt.set(`${aggregateId}:${version}`, performance.now());
  succeeded(aggregateId, version);
};
// Direct publishes and the relay's both go through `publishEnvelope`: when the broker confirmed each event.
const confirmedAt = new Map<string, number>();
const publishEnvelope = app.bus.publishEnvelope.bind(app.bus);
app.bus.publishEnvelope = async (topic, envelope) => {
  await publishEnvelope(topic, envelope);
  confirmedAt.set(`${envelope.aggregateId}:${envelope.version}`, performance.now());
};

interface PhaseResult {
  /** Calls (a direct publish resolved, a transaction committed) per second. */
  readonly calls: number;
  /** Events confirmed by the broker per second, from the phase's start to its last confirmed event. */
  readonly published: number;
  /** From the moment `send` resolved with to handled, ascending (ms). */
  readonly latencies: number[];
}

/**
 * Sends every event one way (`send` resolves with the moment latency counts from, or undefined when it sends
 * nothing), then waits until the consumer handled all of them: the next phase starts with nothing of this one
 * left in flight.
 */
async function phase(
  name: string,
  send: (event: NewDomainEvent) => Promise<number | undefined>,
  events = EVENTS,
): Promise<PhaseResult> {
  const key = (i: number) => `${name}-${i % AGGREGATES}:${Math.floor(i / AGGREGATES) + 1}`;
  const from = new Map<string, number | undefined>();
  const started = performance.now();
  const callsMs = await timed(events, CONCURRENCY, async (i) => {
    const event = {
      aggregateId: `${name}-${i % AGGREGATES}`,
      type: 'Bench',
      version: Math.floor(i / AGGREGATES) + 1,
      payload: { i, text: 'x'.repeat(200) },
    };
    from.set(key(i), await send(event));
  });
  const keys = Array.from({ length: events }, (_, i) => key(i)).filter((k) => from.get(k) !== undefined);
  await waitFor(
    () => keys.every((k) => handledAt.has(k)),
    () => `${name}: handled ${keys.filter((k) => handledAt.has(k)).length} of ${events}`,
    300_000,
  );
  const lastConfirmed = Math.max(started + callsMs, ...keys.map((k) => confirmedAt.get(k)!));
  return {
    calls: events / (callsMs / 1000),
    published: events / ((lastConfirmed - started) / 1000),
    latencies: ascending(keys.map((k) => handledAt.get(k)! - from.get(k)!)),
  };
}

const businessRow = (tx: pg.PoolClient, event: NewDomainEvent) =>
  tx.query('INSERT INTO bench_business (aggregate_id, version) VALUES ($1, $2)', [
    event.aggregateId,
    event.version,
  ]);

await db.pool.query('CREATE TABLE bench_business (aggregate_id text NOT NULL, version integer NOT NULL)');
try {
  const senders = {
    direct: async (event: NewDomainEvent) => {
      const at = performance.now();
      await app.bus.publishDomainEvent(directTopic, event);
      return at;
    },
    transaction: async (event: NewDomainEvent) => {
      await inTransaction(db.pool, (tx) => businessRow(tx, event));
      return undefined;
    },
    outbox: async (event: NewDomainEvent) => {
      await inTransaction(db.pool, (tx) =>
        app.bus.publishDomainEvent(outboxTopic, event, { transaction: tx }),
      );
      return performance.now();
    },
    dual: async (event: NewDomainEvent) => {
      await inTransaction(db.pool, (tx) => businessRow(tx, event));
      const at = performance.now();
      await app.bus.publishDomainEvent(directTopic, event);
      return at;
    },
    // What an outbox must at least do per event, without its own costs: the business transaction and a publish
    // (consumed), side by side. Where the application, the database and the broker share a machine, no outbox
    // can publish faster than this.
    sameWork: async (event: NewDomainEvent) => {
      const at = performance.now();
      await Promise.all([
        inTransaction(db.pool, (tx) => businessRow(tx, event)),
        app.bus.publishDomainEvent(directTopic, event),
      ]);
      return at;
    },
    business: async (event: NewDomainEvent) => {
      await inTransaction(db.pool, async (tx) => {
        await businessRow(tx, event);
        await app.bus.publishDomainEvent(outboxTopic, event, { transaction: tx });
      });
      return performance.now();
    },
  };
  type Way = keyof typeof senders;
  const ways = Object.keys(senders) as Way[];
  const results: Record<Way, PhaseResult[]> = {
    direct: [],
    transaction: [],
    outbox: [],
    dual: [],
    sameWork: [],
    business: [],
  };
  for (const way of ways) await phase(`warm-${way}`, senders[way], Math.ceil(EVENTS / 10));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const way of ways) results[way].push(await phase(`${way}${round}`, senders[way]));
  }
  /** The median round's rates, and the latencies of every round. */
  const summary = (way: Way): PhaseResult => ({
    calls: median(results[way].map((r) => r.calls)),
    published: median(results[way].map((r) => r.published)),
    latencies: ascending(results[way].flatMap((r) => r.latencies)),
  });
  const direct = summary('direct');
  const transactionOnly = summary('transaction');
  const outbox = summary('outbox');
  const dualWrite = summary('dual');
  const sameWork = summary('sameWork');
  const outboxBusiness = summary('business');
  const row = (label: string, r: PhaseResult, vsDual = '') =>
    `| ${label} | ${r.calls.toFixed(0)} | ${r.published.toFixed(0)} | ${(r.published / direct.published).toFixed(2)} | ${vsDual} |`;
  const lag = (r: PhaseResult) =>
    `p50 ${percentile(r.latencies, 0.5).toFixed(0)} ms, p99 ${percentile(r.latencies, 0.99).toFixed(0)} ms, max ${r.latencies.at(-1)!.toFixed(0)} ms`;
  const table = [
    `| ${transport.name}, ${EVENTS} events, ${CONCURRENCY} at once, median of ${ROUNDS} | calls/s | published/s | vs direct | vs dual write |`,
    '|---|---:|---:|---:|---:|',
    row('direct publish (broker confirmed)', direct),
    row('no event: business row alone in a committed transaction', transactionOnly),
    row('outbox: the event alone in a committed transaction', outbox),
    row('dual write: business row committed, then direct publish (not atomic)', dualWrite, '1.00'),
    row('same work without an outbox: business row committed and direct publish side by side', sameWork),
    row(
      'outbox: business row and event in one committed transaction',
      outboxBusiness,
      (outboxBusiness.published / dualWrite.published).toFixed(2),
    ),
    '',
    `Relay lag, commit to handled: ${lag(outbox)} (event alone); ${lag(outboxBusiness)} (with business row).`,
    `Direct publish, call to handled: ${lag(direct)}.`,
  ].join('\n');
  process.stdout.write(`${table}\n`);
  writeResults(transport.name, table);
} finally {
  await app.close();
  await db.drop();
  await transport.cleanup?.();
}

/** Puts `table` under `## <transport>` in bench/results/outbox.md, keeping the other transports' sections. */
function writeResults(transportName: string, table: string): void {
  const file = fileURLToPath(new URL('../results/outbox.md', import.meta.url));
  const sections = new Map<string, string>();
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  for (const section of previous.split(/^## /m).slice(1)) {
    const [name, ...body] = section.split('\n');
    sections.set(name!.trim(), body.join('\n').trim());
  }
  sections.set(transportName, table);
  const text = [...sections].sort(([a], [b]) => a.localeCompare(b)).map(([n, t]) => `## ${n}\n\n${t}\n`);
  writeFileSync(file, text.join('\n'));
}
