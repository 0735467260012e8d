import type { StoredDeadLetter } from './dead-letter';

/**
 * What one read of a dead-letter destination found: the dead letters not replayed yet, oldest first. The
 * read holds them until `close()` (JetStream: they stay delivered to the reader; Kafka: its group member stays).
 */
export interface DeadLetterBatch {
  readonly letters: readonly StoredDeadLetter[];
  /** Records them as replayed, confirmed by the broker: no later read returns them again. */
  markReplayed(ids: readonly string[]): Promise<void>;
  /** Gives the rest back (a later read returns them again) and frees what the read held. */
  close(): Promise<void>;
}

/**
 * Where a transport keeps which dead letters were replayed: per dead-letter destination, a consumer of its own
 * (memory: a group of the broker; Kafka: a consumer group per dead-letter topic; JetStream: a durable over
 * the dead-letter subject) that acknowledges a dead letter once it was replayed.
 */
export interface DeadLetterStore {
  /** Reads the dead letters of `deadLetterTopic` not replayed yet. */
  read(deadLetterTopic: string): Promise<DeadLetterBatch>;
  /** Disconnects. */
  close(): Promise<void>;
}

/** A batch with nothing in it. */
export const EMPTY_BATCH: DeadLetterBatch = {
  letters: [],
  markReplayed: async () => undefined,
  close: async () => undefined,
};
