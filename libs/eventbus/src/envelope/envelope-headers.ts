/**
 * Header names the library writes (the `ce_` ones on domain events; a raw message gets only `content-type`),
 * the same on every transport (Kafka, JetStream and memory). Envelope attributes use the CloudEvents 1.0 Kafka
 * binary-mode names (`ce_` + attribute name); they duplicate fields of the JSON body so that tools and brokers
 * can inspect and filter without parsing it. The body stays authoritative (see `envelope-codec.ts`).
 */
export const EnvelopeHeaders = {
  /** CloudEvents spec version; always `CLOUDEVENTS_SPEC_VERSION`. */
  specVersion: 'ce_specversion',
  /** Envelope `id` (UUIDv7 by default); also the de-duplication id (JetStream `Nats-Msg-Id`). */
  id: 'ce_id',
  /** Envelope `type`, e.g. `OrderPlaced`. */
  type: 'ce_type',
  /** Producer of the event, a URI-reference; written only when the publisher names one. */
  source: 'ce_source',
  /** Envelope `aggregateId`: the ordering key (also the Kafka message key). */
  subject: 'ce_subject',
  /** Envelope `occurredAt`, RFC 3339. */
  time: 'ce_time',
  /** Envelope `version` of the aggregate, decimal (a CloudEvents extension attribute). */
  aggregateVersion: 'ce_aggregateversion',
  /** `metadata.correlationId`, when set (extension attribute). */
  correlationId: 'ce_correlationid',
  /** `metadata.causationId`, when set (extension attribute). */
  causationId: 'ce_causationid',
  /** `metadata.traceparent`, when set: the W3C Trace Context header, under its own standard name. */
  traceparent: 'traceparent',
  /** `metadata.tracestate`, when set: the W3C Trace Context vendor state. */
  tracestate: 'tracestate',
  /** Media type of the body; one of `ContentTypes`. */
  contentType: 'content-type',
} as const;

/** Value of the `ce_specversion` header. */
export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/** Values of the `content-type` header this library writes. */
export const ContentTypes = {
  /** UTF-8 JSON: every domain event envelope, and raw bodies that are neither strings nor bytes. */
  json: 'application/json',
  /** A raw body published as a string. */
  text: 'text/plain; charset=utf-8',
  /** A raw body published as a `Buffer` or `Uint8Array`: delivered as the same bytes. */
  octetStream: 'application/octet-stream',
} as const;
