/**
 * Thrown when a message body or a domain event payload cannot be written as JSON (a `bigint`, a circular
 * structure, a function). Nothing is published.
 */
export class MessageEncodeError extends Error {
  override readonly name = 'MessageEncodeError';

  constructor(detail: string, options?: { cause?: unknown }) {
    super(`Cannot encode message: ${detail}`, options);
  }
}
