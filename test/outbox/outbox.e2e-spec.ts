import { OutboxNotConfiguredError } from '@app/eventbus';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { range, sleep, waitFor } from '../support/recorder';
import type { TestApp } from '../support/test-app';
import { TRANSPORTS } from '../support/transports';
import { writeConcurrently } from './concurrent-writers';
import { FAST_RELAY, startConsumer } from './outbox-app';
import { createOutboxDatabase, inTransaction, type OutboxDatabase } from './outbox-database';

const AGGREGATES = 50;
const VERSIONS = 20;

describeWithBrokers('transactional outbox', () => {
  let db: OutboxDatabase;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    db = await createOutboxDatabase();
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await db?.drop();
    for (const t of TRANSPORTS) await t.cleanup?.();
  });

  it('publishes nothing for a rolled-back transaction and the event of a committed one', async () => {
    const scope = uniqueName('outbox-rollback');
    const topic = `${scope}.orders`;
    const options = { transport: 'memory' as const, memory: { broker: scope } };
    const { app, recorder } = await startConsumer(
      { ...options, outbox: { pool: db.pool, table: 'rollback_outbox', relay: FAST_RELAY } },
      topic,
    );
    apps.push(app);

    await expect(
      inTransaction(db.pool, async (tx) => {
        await app.bus.publishDomainEvent(
          topic,
          { aggregateId: 'a', type: 'T', version: 1, payload: { n: 'rolled back' } },
          { transaction: tx },
        );
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    await inTransaction(db.pool, (tx) =>
      app.bus.publishDomainEvent(
        topic,
        { aggregateId: 'b', type: 'T', version: 1, payload: { n: 'committed' } },
        { transaction: tx },
      ),
    );

    await waitFor(
      () => recorder.successCount >= 1,
      () => 'the committed event did not arrive',
    );
    // The relay drained the table (the committed row is deleted once published): nothing else is pending.
    await waitFor(
      async () => (await db.pool.query('SELECT count(*)::int AS n FROM rollback_outbox')).rows[0].n === 0,
      () => 'the outbox still has rows',
    );
    await sleep(3 * FAST_RELAY.pollIntervalMs);
    expect(recorder.events).toEqual(['b:1']);
  });

  for (const transport of TRANSPORTS) {
    it(`${transport.name}: ${AGGREGATES * VERSIONS} events of ${AGGREGATES} aggregates from concurrent transactions, some committing out of insert order, arrive per aggregate in version order`, async () => {
      const scope = uniqueName(`outbox-order-${transport.name}`);
      const topic = `${scope}.orders`;
      const table = `order_${transport.name}`;
      const { app, recorder } = await startConsumer(
        { ...transport.options(scope), outbox: { pool: db.pool, table, relay: FAST_RELAY } },
        topic,
      );
      apps.push(app);

      const outOfOrderCommits = await writeConcurrently(db.pool, app.bus, topic, AGGREGATES, VERSIONS);
      expect(outOfOrderCommits).toBeGreaterThan(50);

      await waitFor(
        () => range(AGGREGATES).every((a) => recorder.firstSuccesses(`agg-${a}`).length === VERSIONS),
        () => `handled ${recorder.successCount} of ${AGGREGATES * VERSIONS}`,
        90_000,
      );
      for (const a of range(AGGREGATES)) {
        expect(recorder.firstSuccesses(`agg-${a}`), `agg-${a}`).toEqual(range(VERSIONS));
      }
      if (transport.name !== 'kafka') {
        // Memory delivers what was published once; JetStream de-duplicates by envelope id: exactly once here.
        expect(recorder.successCount).toBe(AGGREGATES * VERSIONS);
      }
    });
  }

  it('keeps version order when a transaction took its id before the one that wrote the previous version', async () => {
    const scope = uniqueName('outbox-xid');
    const topic = `${scope}.orders`;
    const { app, recorder } = await startConsumer(
      {
        transport: 'memory',
        memory: { broker: scope },
        outbox: { pool: db.pool, table: 'xid_outbox', relay: FAST_RELAY },
      },
      topic,
    );
    apps.push(app);
    const publish = (tx: import('pg').PoolClient, aggregateId: string, version: number) =>
      app.bus.publishDomainEvent(
        topic,
        { aggregateId, type: 'T', version, payload: {} },
        { transaction: tx },
      );
    const a = await db.pool.connect();
    const c = await db.pool.connect();
    try {
      // A takes the lowest id, C the next; B (highest id) writes version 1 of `x` and commits first.
      await a.query('BEGIN');
      await a.query('SELECT pg_current_xact_id()');
      await c.query('BEGIN');
      await c.query('SELECT pg_current_xact_id()');
      await inTransaction(db.pool, (b) => publish(b, 'x', 1));
      // A saw version 1 and writes version 2, then commits; C (an unrelated, older transaction) is still open,
      // so B's row is not settled yet while A's (lower id) is: version 2 must still wait for version 1.
      await publish(a, 'x', 2);
      await a.query('COMMIT');
      // Meanwhile another aggregate flows.
      await inTransaction(db.pool, (tx) => publish(tx, 'y', 1));
      await sleep(3 * FAST_RELAY.pollIntervalMs);
      await c.query('COMMIT');
    } finally {
      a.release();
      c.release();
    }
    await waitFor(
      () => recorder.firstSuccesses('x').length === 2 && recorder.firstSuccesses('y').length === 1,
      () => `handled ${recorder.events.join(', ')}`,
    );
    expect(recorder.firstSuccesses('x')).toEqual([1, 2]);
  });

  it('holds a committed version back while a lower one of an earlier transaction is uncommitted, and orders by version, not insert order', async () => {
    const scope = uniqueName('outbox-late');
    const topic = `${scope}.orders`;
    const { app, recorder } = await startConsumer(
      {
        transport: 'memory',
        memory: { broker: scope },
        outbox: { pool: db.pool, table: 'late_outbox', relay: FAST_RELAY },
      },
      topic,
    );
    apps.push(app);
    const publish = (tx: import('pg').PoolClient, aggregateId: string, version: number) =>
      app.bus.publishDomainEvent(
        topic,
        { aggregateId, type: 'T', version, payload: {} },
        { transaction: tx },
      );
    const early = await db.pool.connect();
    const reserved = await db.pool.connect();
    try {
      // `p`: version 1 is written first but commits after version 2 (written by a later transaction).
      await early.query('BEGIN');
      await publish(early, 'p', 1);
      // `q`: version 2 is inserted before version 1 (versions reserved ahead); both commit.
      await reserved.query('BEGIN');
      await publish(reserved, 'q', 2);
      await inTransaction(db.pool, (tx) => publish(tx, 'p', 2));
      await inTransaction(db.pool, (tx) => publish(tx, 'q', 1));
      await sleep(3 * FAST_RELAY.pollIntervalMs);
      await early.query('COMMIT');
      await reserved.query('COMMIT');
    } finally {
      early.release();
      reserved.release();
    }
    await waitFor(
      () => recorder.firstSuccesses('p').length === 2 && recorder.firstSuccesses('q').length === 2,
      () => `handled ${recorder.events.join(', ')}`,
    );
    expect(recorder.firstSuccesses('p')).toEqual([1, 2]);
    expect(recorder.firstSuccesses('q')).toEqual([1, 2]);
  });

  it('refuses a transaction when the module has no outbox, instead of publishing outside it', async () => {
    const scope = uniqueName('outbox-none');
    const topic = `${scope}.orders`;
    const { app, recorder } = await startConsumer({ transport: 'memory', memory: { broker: scope } }, topic);
    apps.push(app);
    await expect(
      inTransaction(db.pool, (tx) =>
        app.bus.publishDomainEvent(
          topic,
          { aggregateId: 'a', type: 'T', version: 1, payload: {} },
          { transaction: tx },
        ),
      ),
    ).rejects.toThrow(OutboxNotConfiguredError);
    await app.bus.publishDomainEvent(topic, { aggregateId: 'a', type: 'T', version: 2, payload: {} });
    await waitFor(
      () => recorder.successCount === 1,
      () => 'the direct publish did not arrive',
    );
    expect(recorder.events).toEqual(['a:2']);
  });
});
