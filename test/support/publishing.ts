import type { EventBus } from '@app/eventbus';

/**
 * Publishes versions `first`..`last` of every aggregate, one round per version: all aggregates' version v are
 * confirmed before any version v + 1 is written, so each aggregate's publish order is its version order while
 * aggregates interleave.
 */
async function publishRounds(
  aggregates: string[],
  last: number,
  first: number,
  publishOne: (aggregateId: string, version: number) => Promise<unknown>,
): Promise<void> {
  for (let version = first; version <= last; version++) {
    await Promise.all(aggregates.map((aggregateId) => publishOne(aggregateId, version)));
  }
}

/** Domain events `TestEvent` with payload `{ aggregateId, version }`, versions `first`..`last`, in rounds. */
export const publishDomainRounds = (
  bus: EventBus,
  topic: string,
  aggregates: string[],
  last: number,
  first = 1,
) =>
  publishRounds(aggregates, last, first, (aggregateId, version) =>
    bus.publishDomainEvent(topic, {
      aggregateId,
      type: 'TestEvent',
      version,
      payload: { aggregateId, version },
    }),
  );

/** Raw messages `{ aggregateId, version }` keyed by aggregate id, in rounds. */
export const publishRawRounds = (bus: EventBus, topic: string, aggregates: string[], versions: number) =>
  publishRounds(aggregates, versions, 1, (aggregateId, version) =>
    bus.publish(topic, { aggregateId, version }, { key: aggregateId }),
  );

/** `['<prefix>-1', ..., '<prefix>-n']`. */
export const aggregateIds = (n: number, prefix = 'aggregate'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
