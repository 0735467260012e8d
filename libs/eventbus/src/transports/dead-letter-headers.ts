/** Headers every adapter writes on a dead-lettered message, besides the original headers. */
export const DeadLetterHeaders = {
  /** Topic (subject) the message was consumed from. */
  originalTopic: 'x-dead-letter-original-topic',
  /** Kafka partition of the original message. */
  originalPartition: 'x-dead-letter-original-partition',
  /** Kafka offset or JetStream stream sequence of the original message. */
  originalOffset: 'x-dead-letter-original-offset',
  /** Why it was dead-lettered: the last error message or the decode error. */
  error: 'x-dead-letter-error',
  /** Handling attempts made before it was dead-lettered. */
  attempts: 'x-dead-letter-attempts',
  /** ISO 8601 time it was dead-lettered. */
  deadLetteredAt: 'x-dead-letter-at',
} as const;

/** Longer reasons (stack traces, quoted bodies) are cut, so the dead letter stays within broker size limits. */
const MAX_REASON_LENGTH = 1_024;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Builds the dead-letter headers: the original headers plus the named `x-dead-letter-*` ones. */
export function deadLetterHeaders(
  original: Readonly<Record<string, string>>,
  info: { topic: string; partition?: number; offset: number | string; reason: string; attempts: number },
): Record<string, string> {
  const headers: Record<string, string> = {
    ...original,
    [DeadLetterHeaders.originalTopic]: info.topic,
    [DeadLetterHeaders.originalOffset]: String(info.offset),
    [DeadLetterHeaders.error]: truncate(info.reason, MAX_REASON_LENGTH),
    [DeadLetterHeaders.attempts]: String(info.attempts),
    [DeadLetterHeaders.deadLetteredAt]: new Date().toISOString(),
  };
  if (info.partition !== undefined) headers[DeadLetterHeaders.originalPartition] = String(info.partition);
  return headers;
}
