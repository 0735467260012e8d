import { HandlerOutcomeError } from './handler-outcome.error';

/** Thrown by a handler: skip this message. It is acknowledged, logged and counted as discarded. */
export class DiscardError extends HandlerOutcomeError {
  override readonly name = 'DiscardError';

  constructor(
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(reason, options.cause);
  }
}
