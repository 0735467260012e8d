import { MemoryBroker } from '../transports/memory/memory-broker';
import { MEMORY_DEAD_LETTER_GROUP } from '../transports/memory/memory.transport';
import type { DeadLetterBatch, DeadLetterStore } from './dead-letter.store';

/** Dead letters of the memory transport: the broker group `MEMORY_DEAD_LETTER_GROUP` acknowledges replayed ones. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly broker: MemoryBroker;

  constructor(brokerName: string) {
    this.broker = MemoryBroker.named(brokerName);
  }

  async read(deadLetterTopic: string): Promise<DeadLetterBatch> {
    this.broker.hold(deadLetterTopic, MEMORY_DEAD_LETTER_GROUP);
    const letters = this.broker
      .unacknowledged(deadLetterTopic, MEMORY_DEAD_LETTER_GROUP)
      .map((r) => ({ id: String(r.sequence), key: r.key, value: r.value, headers: r.headers }));
    return {
      letters,
      markReplayed: async (ids) =>
        this.broker.acknowledge(deadLetterTopic, MEMORY_DEAD_LETTER_GROUP, ids.map(Number)),
      close: async () => undefined,
    };
  }

  async close(): Promise<void> {}
}
