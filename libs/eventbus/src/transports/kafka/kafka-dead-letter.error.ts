/** The dead-letter write of a Kafka message was not confirmed by the broker; the message stays unsettled. */
export class KafkaDeadLetterError extends Error {
  override readonly name = 'KafkaDeadLetterError';

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly deadLetterTopic: string,
    cause: unknown,
  ) {
    super(
      `Dead-lettering ${topic}[${partition}]@${offset} to ${deadLetterTopic} failed: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
  }
}
