/**
 * A message cannot be settled by this consumer any more: another consumer owns it now and receives it
 * again (Kafka: its partition was revoked in a rebalance). Thrown by `InboundMessage.deadLetter()`; the
 * dispatcher then counts the message as released, neither dead-lettered nor retried.
 */
export class MessageRevokedError extends Error {
  override readonly name = 'MessageRevokedError';

  constructor(
    readonly topic: string,
    readonly sequence: number,
  ) {
    super(`${topic}#${sequence} belongs to another consumer now; it is delivered there again`);
  }
}

/** Recognises `MessageRevokedError` by its name, also when it comes from another copy of the library. */
export function isMessageRevoked(error: unknown): boolean {
  try {
    return (error as { name?: unknown } | null)?.name === 'MessageRevokedError';
  } catch {
    return false;
  }
}
