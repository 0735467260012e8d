import type { EventBus } from '@app/eventbus';

/**
 * Publishes versions 1..`versions` of every aggregate as domain events, one round per version: all
 * aggregates' version v are confirmed before any version v + 1 is written, so each aggregate's publish order
 * is its version order while aggregates interleave.
 */
export async function publishDomainRounds(
  bus: EventBus,
  topic: string,
  aggregates: string[],
  versions: number,
): Promise<void> {
  for (let version = 1; version <= versions; version++) {
    await Promise.all(
      aggregates.map((aggregateId) =>
        bus.publishDomainEvent(topic, {
          aggregateId,
          type: 'TestEvent',
          version,
          payload: { aggregateId, version },
        }),
      ),
    );
  }
}

/** The same as raw messages `{ aggregateId, version }` keyed by aggregate id. */
export async function publishRawRounds(
  bus: EventBus,
  topic: string,
  aggregates: string[],
  versions: number,
): Promise<void> {
  for (let version = 1; version <= versions; version++) {
    await Promise.all(
      aggregates.map((aggregateId) => bus.publish(topic, { aggregateId, version }, { key: aggregateId })),
    );
  }
}

/** `['<prefix>-1', ..., '<prefix>-n']`. */
export const aggregateIds = (n: number, prefix = 'aggregate'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
