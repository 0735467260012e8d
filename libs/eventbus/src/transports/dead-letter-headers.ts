import type { DeadLetterInfo } from './transport.port';

/** Headers every adapter writes on a dead-lettered message, besides the original headers. */
export const DeadLetterHeaders = {
  /** Topic (subject) the message was consumed from. */
  originalTopic: 'x-dead-letter-original-topic',
  /** Kafka partition of the original message (absent on JetStream and memory). */
  originalPartition: 'x-dead-letter-original-partition',
  /** Kafka offset, JetStream stream sequence or memory sequence of the original message. */
  originalOffset: 'x-dead-letter-original-offset',
  /** Key of the original message (Kafka message key, ordering key); absent when it had none. */
  originalKey: 'x-dead-letter-original-key',
  /**
   * Consumer group that gave up on it: Kafka group id, JetStream consumer name `natsConsumerName(durable,
   * subject)`, memory group.
   */
  consumerGroup: 'x-dead-letter-consumer-group',
  /** Why it was dead-lettered: the last error message or the decode error, cut to 1,024 characters. */
  error: 'x-dead-letter-error',
  /** Class of the error that dead-lettered it (`DeadLetterError`, `EnvelopeDecodeError`, `TypeError`, ...). */
  errorClass: 'x-dead-letter-error-class',
  /** Stack of that error, cut to 4,096 characters; only with `deadLetter.includeStack: true`. */
  errorStack: 'x-dead-letter-error-stack',
  /** Handling attempts made before it was dead-lettered. */
  attempts: 'x-dead-letter-attempts',
  /** ISO 8601 time it was dead-lettered. */
  deadLetteredAt: 'x-dead-letter-at',
  /** On a replayed message: how often it has been replayed from a dead-letter destination so far. */
  replayCount: 'x-dead-letter-replay-count',
} as const;

/** Longer reasons (quoted bodies) are cut, so the dead letter stays within broker size limits. */
const MAX_REASON_LENGTH = 1_024;
const MAX_STACK_LENGTH = 4_096;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Where a dead-lettered message came from. */
export interface DeadLetterOrigin {
  readonly topic: string;
  readonly partition?: number;
  readonly offset: number | string;
  readonly key?: string;
  readonly group: string;
}

/** True for the `x-dead-letter-*` headers this library adds (replay drops them again). */
export function isDeadLetterHeader(name: string): boolean {
  return name.toLowerCase().startsWith('x-dead-letter-') && name !== DeadLetterHeaders.replayCount;
}

/** Builds the dead-letter headers: the original headers plus the named `x-dead-letter-*` ones. */
export function deadLetterHeaders(
  original: Readonly<Record<string, string>>,
  origin: DeadLetterOrigin,
  info: DeadLetterInfo,
): Record<string, string> {
  const headers: Record<string, string> = {
    ...original,
    [DeadLetterHeaders.originalTopic]: origin.topic,
    [DeadLetterHeaders.originalOffset]: String(origin.offset),
    [DeadLetterHeaders.consumerGroup]: origin.group,
    [DeadLetterHeaders.error]: truncate(info.reason, MAX_REASON_LENGTH),
    [DeadLetterHeaders.attempts]: String(info.attempts),
    [DeadLetterHeaders.deadLetteredAt]: new Date().toISOString(),
  };
  if (origin.partition !== undefined) headers[DeadLetterHeaders.originalPartition] = String(origin.partition);
  if (origin.key !== undefined) headers[DeadLetterHeaders.originalKey] = origin.key;
  if (info.errorClass !== undefined) headers[DeadLetterHeaders.errorClass] = info.errorClass;
  if (info.stack !== undefined)
    headers[DeadLetterHeaders.errorStack] = truncate(info.stack, MAX_STACK_LENGTH);
  return headers;
}
