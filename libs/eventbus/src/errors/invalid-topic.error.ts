import type { TransportName } from '../transports/transport.port';

/**
 * A topic (or its dead-letter topic) that the chosen broker would refuse, found at start or on the first
 * publish to it. The memory transport applies the strictest rules of Kafka and NATS, so tests catch what a
 * broker would refuse.
 */
export class InvalidTopicError extends Error {
  override readonly name = 'InvalidTopicError';

  constructor(
    readonly transport: TransportName,
    readonly topic: string,
    readonly problem: string,
  ) {
    super(`Topic "${topic}" cannot be used on the ${transport} transport: ${problem}.`);
  }
}
