/** Why a raw message body does not match its content type. */
export type MessageDecodeReason =
  /** Labelled JSON or text, but the bytes are not valid UTF-8. */
  | 'invalid-utf8'
  /** Labelled JSON, but the text is not JSON. */
  | 'invalid-json';

/**
 * Thrown when a raw message body cannot be decoded as its `content-type` header says. Unlabelled bodies never
 * fail (they fall back to text or bytes). Such a message is discarded: acknowledged, counted as
 * `discarded` and logged at debug level.
 */
export class MessageDecodeError extends Error {
  override readonly name = 'MessageDecodeError';

  constructor(
    readonly reason: MessageDecodeReason,
    readonly contentType: string,
    detail: string,
  ) {
    super(`Undecodable message body labelled "${contentType}" (${reason}): ${detail}`);
  }
}
