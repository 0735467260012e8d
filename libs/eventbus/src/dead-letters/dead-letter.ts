import type { DomainEventEnvelope } from '../envelope/domain-event-envelope';
import { decodeEnvelope } from '../envelope/envelope-codec';
import { DeadLetterHeaders, isDeadLetterHeader } from '../transports/dead-letter-headers';
import type { InboundMessage } from '../transports/transport.port';

/**
 * One dead letter, as `@DeadLetters` handlers receive it and `DeadLetterQueue.list()` returns it. Every dead
 * letter is one of these, also when the original cannot be decoded (`envelope` is then undefined).
 */
export interface DeadLetter<T = unknown> {
  /**
   * Its position in the dead-letter destination, what `DeadLetterQueue.replay({ ids })` takes:
   * `<partition>:<offset>` on Kafka, the stream sequence on JetStream, the sequence on memory.
   */
  readonly id: string;
  /** The topic (subject) the original was consumed from. */
  readonly topic: string;
  /** The original's key (Kafka message key, ordering key); undefined when it had none. */
  readonly key: string | undefined;
  /** Why it was dead-lettered (the last error message or the decode error). */
  readonly reason: string;
  /** Handling attempts made before it was dead-lettered. */
  readonly attempts: number;
  /** When it was dead-lettered. */
  readonly failedAt: Date;
  /** Every header of the dead letter: the original's plus the `x-dead-letter-*` ones (`DeadLetterHeaders`). */
  readonly headers: Readonly<Record<string, string>>;
  /** The original body, byte for byte. */
  readonly value: Buffer;
  /** The original decoded as a domain event, when it is one. */
  readonly envelope?: DomainEventEnvelope<T>;
}

/** A dead letter as stored in its destination. */
export interface StoredDeadLetter {
  readonly id: string;
  readonly key: string | undefined;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** The original's headers: the dead letter's without the `x-dead-letter-*` ones (the replay count stays). */
export function originalHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !isDeadLetterHeader(name)));
}

/** Reads a stored dead letter; never throws (missing headers give empty or zero fields). */
export function readDeadLetter(stored: StoredDeadLetter): DeadLetter {
  const { headers } = stored;
  const failedAt = new Date(headers[DeadLetterHeaders.deadLetteredAt] ?? NaN);
  const attempts = Number(headers[DeadLetterHeaders.attempts]);
  let envelope: DomainEventEnvelope | undefined;
  try {
    envelope = decodeEnvelope(stored.value, originalHeaders(headers));
  } catch {
    envelope = undefined;
  }
  return {
    id: stored.id,
    topic: headers[DeadLetterHeaders.originalTopic] ?? '',
    key: headers[DeadLetterHeaders.originalKey] ?? stored.key,
    reason: headers[DeadLetterHeaders.error] ?? '',
    attempts: Number.isFinite(attempts) ? attempts : 0,
    failedAt,
    headers,
    value: stored.value,
    ...(envelope ? { envelope } : {}),
  };
}

/** Reads the dead letter a delivered message of a dead-letter topic carries, under `id`; never throws. */
export function readDeliveredDeadLetter(message: InboundMessage, id: string): DeadLetter {
  return readDeadLetter({ id, key: message.key, value: message.value, headers: message.headers });
}
