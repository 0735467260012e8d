/** Broker addresses the benchmark uses; the same variables and defaults as the tests. */
export const KAFKA_BROKERS = (process.env.EVENTBUS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const NATS_SERVERS = process.env.EVENTBUS_NATS_SERVERS ?? 'nats://127.0.0.1:4222';

/** A name no earlier run used, for topics, subjects, streams and groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
