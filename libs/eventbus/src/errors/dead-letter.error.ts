import { HandlerOutcomeError } from './handler-outcome.error';

/**
 * Thrown by a handler: the message can never succeed. It is written to the dead-letter destination now
 * (no further attempts) and then acknowledged. Raw messages are dead-lettered too when a DLQ is configured.
 */
export class DeadLetterError extends HandlerOutcomeError {
  override readonly name = 'DeadLetterError';

  constructor(
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(reason, options.cause);
  }
}
