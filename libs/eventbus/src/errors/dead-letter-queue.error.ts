/** A dead-letter destination could not be read, or a replay could not be recorded or published. */
export class DeadLetterQueueError extends Error {
  override readonly name = 'DeadLetterQueueError';

  constructor(
    /** The dead-letter topic (subject) concerned. */
    readonly deadLetterTopic: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(`dead letters of "${deadLetterTopic}": ${message}`, { cause: options.cause });
  }
}
