import { oneLine } from '../errors/describe-value';
import { MessageDecodeError } from '../errors/message-decode.error';
import { MessageEncodeError } from '../errors/message-encode.error';
import { ContentTypes, EnvelopeHeaders } from './envelope-headers';

/** A raw message body ready to publish: the bytes and the `content-type` header that says how to read them. */
export interface EncodedRawBody {
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Encodes a raw message body (`EventBus.publish`) so that `decodeRaw` gives it back:
 * - `Buffer` / `Uint8Array`: the bytes as they are, labelled `application/octet-stream`;
 * - string: its UTF-8 bytes, labelled `text/plain; charset=utf-8` (so `'42'` stays a string);
 * - `undefined`: an empty body without `content-type`;
 * - anything else (objects, arrays, numbers, booleans, null): UTF-8 JSON, labelled `application/json`
 *   (JSON semantics: a `Date` arrives as its ISO string, `toJSON` is honoured).
 * Throws `MessageEncodeError` for what JSON cannot carry (a `bigint`, a circular structure, a function, a symbol).
 */
export function encodeRaw(body: unknown): EncodedRawBody {
  if (body instanceof Uint8Array) {
    return { value: Buffer.from(body), headers: { [EnvelopeHeaders.contentType]: ContentTypes.octetStream } };
  }
  if (typeof body === 'string') {
    return {
      value: Buffer.from(body, 'utf8'),
      headers: { [EnvelopeHeaders.contentType]: ContentTypes.text },
    };
  }
  if (body === undefined) return { value: Buffer.alloc(0), headers: {} };
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch (error) {
    throw new MessageEncodeError(`the body is not JSON-serializable: ${String(error)}`, { cause: error });
  }
  if (json === undefined) throw new MessageEncodeError(`a ${typeof body} cannot be written as JSON`);
  return { value: Buffer.from(json, 'utf8'), headers: { [EnvelopeHeaders.contentType]: ContentTypes.json } };
}

/**
 * Decodes a raw message body by its `content-type` header (name matched case-insensitively, an empty value
 * counts as none, parameters ignored, text assumed UTF-8):
 * - `application/octet-stream` and any other non-text type: a `Buffer` of the bytes (empty when there are none);
 * - `text/*`: the string (`''` when there are no bytes); throws `MessageDecodeError` when it is not UTF-8;
 * - otherwise an empty or missing body is `undefined` (a Kafka tombstone, or `encodeRaw(undefined)`);
 * - `application/json` or `*+json`: the parsed JSON; throws `MessageDecodeError` when it is not UTF-8 JSON;
 * - no `content-type` (foreign producers): the parsed JSON when the bytes are JSON, else the UTF-8 string,
 *   else (not UTF-8) a `Buffer`. Never throws.
 */
export function decodeRaw(
  value: Buffer | Uint8Array | null | undefined,
  headers: Readonly<Record<string, string>>,
): unknown {
  const contentType = contentTypeOf(headers);
  const mediaType = contentType?.split(';')[0].trim().toLowerCase();
  const isJson = mediaType === 'application/json' || mediaType?.endsWith('+json') === true;
  const isText = mediaType?.startsWith('text/') === true;
  const bytes = value ?? Buffer.alloc(0);
  if (mediaType !== undefined && !isJson && !isText) return Buffer.from(bytes);
  if (bytes.byteLength === 0 && !isText) return undefined;

  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    if (contentType === undefined) return Buffer.from(bytes);
    throw new MessageDecodeError('invalid-utf8', contentType, 'the body is not valid UTF-8');
  }
  if (isText) return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    if (contentType === undefined) return text;
    throw new MessageDecodeError(
      'invalid-json',
      contentType,
      `the body is not JSON (${oneLine((error as Error).message)})`,
    );
  }
}

function contentTypeOf(headers: Readonly<Record<string, string>>): string | undefined {
  const name = Object.keys(headers).find((key) => key.toLowerCase() === EnvelopeHeaders.contentType);
  // An empty value (NATS trims header values) labels nothing.
  return name === undefined || headers[name].trim() === '' ? undefined : headers[name];
}
