import { describeValue, oneLine } from '../errors/describe-value';
import { EnvelopeDecodeError } from '../errors/envelope-decode.error';
import { InvalidDomainEventError } from '../errors/invalid-domain-event.error';
import { MessageEncodeError } from '../errors/message-encode.error';
import type { OutboundMessage } from '../transports/transport.port';
import type { DomainEventEnvelope } from './domain-event-envelope';
import { findEnvelopeProblem, isObject } from './envelope-field-rules';
import { CLOUDEVENTS_SPEC_VERSION, ContentTypes, EnvelopeHeaders } from './envelope-headers';

/**
 * Wire format of a domain event:
 * - body: UTF-8 JSON of the whole envelope (`id`, `type`, `aggregateId`, `version`, `occurredAt`, `payload`,
 *   `metadata`). The body is self-contained and authoritative: a consumer needs nothing else to decode it.
 * - headers (`envelope-headers.ts`): the routing fields again under CloudEvents names, for inspection and
 *   broker-side filtering. On decode, `ce_id`, `ce_subject` and `ce_type`, when present, must equal the body
 *   (a disagreement means a corrupt message); the other headers are not read.
 * - key: the aggregate id (Kafka message key); id: the envelope id (JetStream `Nats-Msg-Id`).
 */
export interface EncodedEnvelope extends OutboundMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
  readonly id: string;
}

/** Optional attributes of the encoded message. */
export interface EncodeEnvelopeOptions {
  /** Written as `ce_source` (a URI-reference naming the producer). Default: no `ce_source` header. */
  readonly source?: string;
}

/** Body/header pairs that must agree when the header is present. */
const CHECKED_HEADERS = [
  [EnvelopeHeaders.id, 'id'],
  [EnvelopeHeaders.subject, 'aggregateId'],
  [EnvelopeHeaders.type, 'type'],
] as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Encodes an envelope for publishing. Checks it against the envelope rules first (throws
 * `InvalidDomainEventError`), so every encoded message decodes; throws `MessageEncodeError` when the payload
 * or metadata cannot be written as JSON. Fields outside the envelope are not written.
 */
export function encodeEnvelope(
  envelope: DomainEventEnvelope,
  options: EncodeEnvelopeOptions = {},
): EncodedEnvelope {
  const problem = findEnvelopeProblem(envelope);
  if (problem) throw new InvalidDomainEventError(problem.field, problem.expected, problem.actual);
  const { id, type, aggregateId, version, occurredAt, payload, metadata } = envelope;
  let json: string;
  try {
    json = JSON.stringify({ id, type, aggregateId, version, occurredAt, payload, metadata });
  } catch (error) {
    throw new MessageEncodeError(`domain event ${id} is not JSON-serializable: ${String(error)}`, {
      cause: error,
    });
  }
  const headers: Record<string, string> = {
    [EnvelopeHeaders.specVersion]: CLOUDEVENTS_SPEC_VERSION,
    [EnvelopeHeaders.id]: id,
    [EnvelopeHeaders.type]: type,
    [EnvelopeHeaders.subject]: aggregateId,
    [EnvelopeHeaders.time]: occurredAt,
    [EnvelopeHeaders.aggregateVersion]: String(version),
    [EnvelopeHeaders.contentType]: ContentTypes.json,
  };
  if (options.source !== undefined) headers[EnvelopeHeaders.source] = options.source;
  if (metadata.correlationId !== undefined) headers[EnvelopeHeaders.correlationId] = metadata.correlationId;
  if (metadata.causationId !== undefined) headers[EnvelopeHeaders.causationId] = metadata.causationId;
  if (metadata.traceparent !== undefined) headers[EnvelopeHeaders.traceparent] = metadata.traceparent;
  if (metadata.tracestate !== undefined) headers[EnvelopeHeaders.tracestate] = metadata.tracestate;
  return { key: aggregateId, value: Buffer.from(json, 'utf8'), headers, id };
}

/** Reads one header of a received message by name; undefined when it has none. */
export interface HeaderReader {
  header(name: string): string | undefined;
}

/**
 * Decodes a received domain event. Throws `EnvelopeDecodeError` (with `reason` and, for field problems, `field`)
 * when the body is empty, not UTF-8, not JSON, not a JSON object, breaks an envelope rule, or disagrees with
 * the `ce_id`/`ce_subject`/`ce_type` headers. A missing `metadata` becomes `{}`; unknown body fields are dropped.
 */
export function decodeEnvelope(
  value: Buffer | Uint8Array | null | undefined,
  headers: Readonly<Record<string, string>>,
): DomainEventEnvelope {
  return decodeReceivedEnvelope(value, { header: (name) => headers[name] });
}

/** `decodeEnvelope` reading only the headers it checks, one by one (a received message is a `HeaderReader`). */
export function decodeReceivedEnvelope(
  value: Buffer | Uint8Array | null | undefined,
  headers: HeaderReader,
): DomainEventEnvelope {
  if (value == null || value.byteLength === 0)
    throw new EnvelopeDecodeError('empty-body', 'the body is empty');
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    throw new EnvelopeDecodeError('invalid-utf8', 'the body is not valid UTF-8');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new EnvelopeDecodeError(
      'invalid-json',
      `the body is not JSON (${oneLine((error as Error).message)})`,
    );
  }
  if (!isObject(body)) {
    throw new EnvelopeDecodeError(
      'not-an-object',
      `the body is JSON but not an object: ${describeValue(body)}`,
    );
  }
  const { id, type, aggregateId, version, occurredAt, payload, metadata = {} } = body;
  const envelope = { id, type, aggregateId, version, occurredAt, payload, metadata };
  const problem = findEnvelopeProblem(envelope);
  if (problem) {
    const detail = `"${problem.field}" must be ${problem.expected}; got ${describeValue(problem.actual)}`;
    throw new EnvelopeDecodeError('invalid-field', detail, problem.field);
  }
  for (const [header, field] of CHECKED_HEADERS) {
    const headerValue = headers.header(header);
    if (headerValue !== undefined && headerValue !== envelope[field]) {
      const detail = `header ${header} ${describeValue(headerValue)} disagrees with body ${field} ${describeValue(envelope[field])}`;
      throw new EnvelopeDecodeError('header-mismatch', detail, field);
    }
  }
  return envelope as DomainEventEnvelope;
}
