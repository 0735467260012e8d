/** Why received bytes are not a domain event envelope. */
export type EnvelopeDecodeReason =
  /** The body is null, undefined or zero bytes. */
  | 'empty-body'
  /** The body is not valid UTF-8. */
  | 'invalid-utf8'
  /** The body is not JSON. */
  | 'invalid-json'
  /** The body is JSON but not an object (array, string, number, boolean, null). */
  | 'not-an-object'
  /** A field is missing or breaks the envelope rules; `field` names it. */
  | 'invalid-field'
  /** A header (`ce_id`, `ce_subject`, `ce_type`) disagrees with the body; `field` names the body field. */
  | 'header-mismatch';

/**
 * Thrown when a received domain event cannot be decoded. Such a message is corrupt: it is dead-lettered with
 * this error's message as the reason, never retried.
 */
export class EnvelopeDecodeError extends Error {
  override readonly name = 'EnvelopeDecodeError';

  constructor(
    readonly reason: EnvelopeDecodeReason,
    detail: string,
    readonly field?: string,
  ) {
    super(`Undecodable domain event envelope (${reason}): ${detail}`);
  }
}
