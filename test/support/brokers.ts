import { describe } from 'vitest';

/** Broker addresses used by every broker test; `npm test` starts brokers on these defaults. */
export const KAFKA_BROKERS = (process.env.EVENTBUS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const NATS_SERVERS = process.env.EVENTBUS_NATS_SERVERS ?? 'nats://127.0.0.1:4222';

/**
 * `describe` for tests that need a real broker. Skipped only when EVENTBUS_BROKERS=skip was asked for
 * outside CI; otherwise a missing broker makes the tests fail with the reason.
 */
export const describeWithBrokers: typeof describe =
  process.env.EVENTBUS_BROKERS === 'skip' ? (describe.skip as typeof describe) : describe;

/** A name that no earlier test run used, for topics, subjects, streams and groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
