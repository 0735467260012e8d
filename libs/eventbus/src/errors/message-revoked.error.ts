/**
 * The message cannot be settled here any more: this consumer lost it to another one (Kafka: its partition
 * was revoked in a rebalance). Nothing was written or acknowledged; the new owner receives it again, so
 * the core treats it as released.
 */
export class MessageRevokedError extends Error {
  override readonly name = 'MessageRevokedError';

  constructor(
    readonly topic: string,
    readonly sequence: number,
  ) {
    super(`${topic}@${sequence} was not settled: this consumer no longer owns it, so it is delivered again.`);
  }
}
