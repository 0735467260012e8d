import type { EventBus } from '@app/eventbus';
import type pg from 'pg';
import { range, sleep } from '../support/recorder';
import { inTransaction } from './outbox-database';

/**
 * Writes `versions` events for each of `aggregates` aggregates (`agg-1` ...) through the outbox. Each aggregate's
 * versions are written by successive transactions (as optimistic or pessimistic locking on the aggregate gives);
 * aggregates write concurrently. Some transactions take their id early and then wait, others wait between insert
 * and commit, so rows become visible out of id and transaction-id order. Resolves with how many transactions
 * held their commit back.
 */
export async function writeConcurrently(
  pool: pg.Pool,
  bus: EventBus,
  topic: string,
  aggregates: number,
  versions: number,
): Promise<number> {
  let heldBack = 0;
  await Promise.all(
    range(aggregates).map(async (a) => {
      for (const version of range(versions)) {
        await inTransaction(pool, async (tx) => {
          if ((a + version) % 6 === 0) {
            await tx.query('SELECT pg_current_xact_id()');
            await sleep(20 + ((a * version) % 40));
          }
          await bus.publishDomainEvent(
            topic,
            { aggregateId: `agg-${a}`, type: 'Changed', version, payload: { a, version } },
            { transaction: tx },
          );
          if ((a * 7 + version) % 9 === 0) {
            heldBack++;
            await sleep(30 + ((a + version) % 50));
          }
        });
      }
    }),
  );
  return heldBack;
}
