import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import { EventBusHealthIndicator } from '@app/eventbus';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { OutboxRelayRunner } from '../../libs/eventbus/src/nest/outbox-relay.runner';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { killNow } from '../support/processes';
import { range, sleep, waitFor } from '../support/recorder';
import type { TestApp } from '../support/test-app';
import { TRANSPORTS } from '../support/transports';
import { writeConcurrently } from './concurrent-writers';
import { FAST_RELAY, startConsumer, startPublisher } from './outbox-app';
import { createOutboxDatabase, inTransaction, type OutboxDatabase } from './outbox-database';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const nats = TRANSPORTS.find((t) => t.name === 'nats');
const AGGREGATES = 50;
const VERSIONS = 20;

const pending = async (db: OutboxDatabase, table: string): Promise<number> =>
  (await db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

describeWithBrokers('outbox relays', () => {
  let db: OutboxDatabase;
  const apps: TestApp[] = [];
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    db = await createOutboxDatabase();
  });
  afterAll(async () => {
    await killNow(child);
    for (const app of apps.reverse()) await app.close();
    await db?.drop();
    await nats?.cleanup?.();
  });

  it('two relays at once share the partitions, hand over when one stops, and never break per-aggregate order', async () => {
    const scope = uniqueName('outbox-two');
    const topic = `${scope}.orders`;
    const memory = { transport: 'memory' as const, memory: { broker: scope } };
    const outbox = { pool: db.pool, table: 'two_outbox', relay: FAST_RELAY };
    const { app: consumer, recorder } = await startConsumer(
      { ...memory, outbox: { ...outbox, relay: { ...FAST_RELAY, enabled: false } } },
      topic,
    );
    apps.push(consumer);
    const first = await startPublisher(memory, outbox);
    const second = await startPublisher(memory, outbox);
    apps.push(first, second);
    const owned = (app: TestApp) => app.app.get(OutboxRelayRunner).status()!.ownedPartitions;
    await waitFor(
      () => owned(first) === 8 && owned(second) === 8,
      () => `partitions owned: ${owned(first)} and ${owned(second)}`,
    );

    const writing = writeConcurrently(db.pool, consumer.bus, topic, AGGREGATES, VERSIONS);
    await waitFor(
      () => recorder.successCount >= 300,
      () => `handled ${recorder.successCount}`,
      60_000,
    );
    await first.close();
    await writing;

    await waitFor(
      () => range(AGGREGATES).every((a) => recorder.firstSuccesses(`agg-${a}`).length === VERSIONS),
      () => `handled ${recorder.successCount} of ${AGGREGATES * VERSIONS}`,
      90_000,
    );
    expect(owned(second)).toBe(16);
    for (const a of range(AGGREGATES)) {
      expect(recorder.firstSuccesses(`agg-${a}`), `agg-${a}`).toEqual(range(VERSIONS));
    }
    // Memory delivers each publish once: nothing was published twice across the handover.
    expect(recorder.successCount).toBe(AGGREGATES * VERSIONS);
  });

  it('a relay needs one connection of its pool, for locks, LISTEN and queries alike, and returns it clean', async () => {
    const scope = uniqueName('outbox-one-connection');
    const topic = `${scope}.orders`;
    const relayPool = new pg.Pool({ connectionString: db.url, max: 1 });
    const { app, recorder } = await startConsumer(
      {
        transport: 'memory',
        memory: { broker: scope },
        outbox: { pool: relayPool, table: 'one_connection_outbox', relay: FAST_RELAY },
      },
      topic,
    );
    try {
      await writeConcurrently(db.pool, app.bus, topic, 10, 10);
      await waitFor(
        () => range(10).every((a) => recorder.firstSuccesses(`agg-${a}`).length === 10),
        () => `handled ${recorder.successCount} of 100`,
      );
      for (const a of range(10)) expect(recorder.firstSuccesses(`agg-${a}`)).toEqual(range(10));
      await app.close();
      // The connection goes back to the application's pool without the relay's locks, LISTEN or settings.
      const { rows } = await relayPool.query(
        `SELECT current_setting('enable_bitmapscan') AS bitmap,
           (SELECT count(*)::int FROM pg_listening_channels()) AS channels,
           (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks`,
      );
      expect(rows[0]).toEqual({ bitmap: 'on', channels: 0, locks: 0 });
    } finally {
      await app.close();
      await relayPool.end();
    }
  });

  it('publishes rows of transactions that did not notify (writers notify at most every 25 ms) well before the poll interval', async () => {
    const scope = uniqueName('outbox-quiet');
    const topic = `${scope}.orders`;
    const { app, recorder } = await startConsumer(
      {
        transport: 'memory',
        memory: { broker: scope },
        outbox: { pool: db.pool, table: 'quiet_outbox', relay: { ...FAST_RELAY, pollIntervalMs: 10_000 } },
      },
      topic,
    );
    apps.push(app);
    // Let the relay go idle (its wait grows to the poll interval), then write in bursts: only the first
    // transaction of each burst notifies.
    await sleep(500);
    const started = Date.now();
    for (const burst of range(3)) {
      for (const i of range(10)) {
        await inTransaction(db.pool, (tx) =>
          app.bus.publishDomainEvent(
            topic,
            { aggregateId: 'q', type: 'T', version: (burst - 1) * 10 + i, payload: {} },
            { transaction: tx },
          ),
        );
      }
      await sleep(300);
    }
    await waitFor(
      () => recorder.firstSuccesses('q').length === 30,
      () => `handled ${recorder.events.join(', ')}`,
      5_000,
    );
    expect(recorder.firstSuccesses('q')).toEqual(range(30));
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.runIf(nats)(
    'nats: a relay process SIGKILLed mid-batch loses nothing; JetStream drops the re-published rows',
    async () => {
      const scope = uniqueName('outbox-kill');
      const topic = `${scope}.orders`;
      const table = 'kill_outbox';
      // Small batches: the 2,000 rows take many rounds, so the kill lands with most of them still pending.
      const relay = { ...FAST_RELAY, batchSize: 5 };
      const { app: consumer, recorder } = await startConsumer(
        {
          ...nats!.options(scope),
          outbox: { pool: db.pool, table, relay: { ...relay, enabled: false } },
        },
        topic,
      );
      apps.push(consumer);
      // 2,000 committed rows before any relay runs.
      const total = 2_000;
      for (const chunk of range(20)) {
        await inTransaction(db.pool, async (tx) => {
          for (const i of range(100)) {
            const n = (chunk - 1) * 100 + i - 1;
            await consumer.bus.publishDomainEvent(
              topic,
              { aggregateId: `agg-${n % 40}`, type: 'T', version: Math.floor(n / 40) + 1, payload: { n } },
              { transaction: tx },
            );
          }
        });
      }

      child = spawn(
        process.execPath,
        ['--import', '@swc-node/register/esm-register', 'test/outbox/relay-process.ts'],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            EVENTBUS_OPTIONS: JSON.stringify({
              ...nats!.options(scope, 'relay'),
              outbox: { connectionString: db.url, table, relay },
            }),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await waitFor(
        () => recorder.successCount >= 20 || child!.exitCode !== null,
        () => `relay process published ${recorder.successCount}; output: ${output}`,
        60_000,
      );
      await killNow(child);
      const left = await pending(db, table);
      expect(recorder.successCount).toBeLessThan(total);
      expect(left).toBeGreaterThan(0);

      const successor = await startPublisher(nats!.options(scope, 'successor'), {
        pool: db.pool,
        table,
        relay,
      });
      apps.push(successor);
      await waitFor(
        () => range(40, 0).every((a) => recorder.firstSuccesses(`agg-${a}`).length === total / 40),
        () => `handled ${recorder.successCount} of ${total}`,
        90_000,
      );
      for (const a of range(40, 0)) {
        expect(recorder.firstSuccesses(`agg-${a}`), `agg-${a}`).toEqual(range(total / 40));
      }
      await waitFor(
        async () => (await pending(db, table)) === 0,
        () => 'rows left in the outbox',
      );
      // Rows published but not yet deleted when the process died went out again; JetStream de-duplicated them.
      expect(recorder.successCount).toBe(total);
    },
  );

  it.runIf(nats)(
    'nats: a row the broker refuses is retried with backoff and logged while other aggregates flow',
    async () => {
      const errors = vi.spyOn(Logger.prototype, 'error');
      const scope = uniqueName('outbox-refused');
      const topic = `${scope}.orders`;
      const table = 'refused_outbox';
      const { app, recorder } = await startConsumer(
        {
          ...nats!.options(scope),
          outbox: { pool: db.pool, table, relay: FAST_RELAY },
          observability: { stallThresholdMs: 1_000 },
        },
        topic,
      );
      apps.push(app);
      const health = app.app.get(EventBusHealthIndicator);
      const publish = (aggregateId: string, version: number, payload: unknown) =>
        inTransaction(db.pool, (tx) =>
          app.bus.publishDomainEvent(
            topic,
            { aggregateId, type: 'T', version, payload },
            { transaction: tx },
          ),
        );
      // Above the server's max_payload (1 MB by default): JetStream refuses it.
      await publish('big', 1, { blob: 'x'.repeat(2 * 1024 * 1024) });
      await publish('big', 2, { small: true });
      for (const version of range(10)) await publish('other', version, {});

      await waitFor(
        () => recorder.firstSuccesses('other').length === 10,
        () => `handled ${recorder.events.join(', ')}`,
      );
      await waitFor(
        async () =>
          (await db.pool.query(`SELECT attempts FROM ${table} WHERE aggregate_id = 'big' AND version = 1`))
            .rows[0]?.attempts >= 2,
        () => 'the refused row was not retried',
      );
      const { rows } = await db.pool.query(
        `SELECT version::int, attempts, last_error, next_attempt_at > now() AS waiting FROM ${table} WHERE aggregate_id = 'big' ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual([1, 2]);
      expect(rows[0].last_error).toMatch(/payload|max/i);
      expect(rows[1].attempts).toBe(0);
      expect(recorder.firstSuccesses('other')).toEqual(range(10));
      expect(recorder.firstSuccesses('big')).toEqual([]);
      const logged = errors.mock.calls.map((call) => String(call[0]));
      expect(
        logged.some((m) => m.includes(`aggregate "big", version 1`) && m.includes('could not be published')),
      ).toBe(true);
      errors.mockRestore();
      // Health names the stuck row once it has failed for longer than the stall threshold.
      await waitFor(
        async () => (await health.isHealthy()).eventbus.status === 'down',
        () => 'health stayed up',
      );
      const details = (await health.isHealthy()).eventbus;
      expect(details.reason).toMatch(/outbox row of aggregate big .*version 1.*max_payload/);
      expect(details.outbox?.failing.map((f) => [f.aggregateId, f.version])).toEqual([['big', 1]]);
    },
  );
});
