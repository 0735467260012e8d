import { v7 as uuidv7 } from 'uuid';
import { InvalidDomainEventError } from '../errors/invalid-domain-event.error';
import { findEnvelopeProblem, isObject } from './envelope-field-rules';

/**
 * Context carried with a domain event. The three named keys also travel as headers (`envelope-headers.ts`);
 * any other key travels in the body only.
 */
export interface EventMetadata {
  /** Id shared by every message of one business transaction. */
  correlationId?: string;
  /** Id of the message (command or event) that caused this one. */
  causationId?: string;
  /** W3C Trace Context `traceparent` of the publishing span (written by the library when tracing is on). */
  traceparent?: string;
  /** W3C Trace Context `tracestate` that goes with `traceparent`, when there is one. */
  tracestate?: string;
  [key: string]: unknown;
}

/** A domain event as published and as delivered to `@DomainEvent` handlers. */
export interface DomainEventEnvelope<T = unknown> {
  /** Unique event id; a UUIDv7 (time-ordered) unless the publisher chose one. Used for de-duplication. */
  id: string;
  /** Event type, e.g. `OrderPlaced`. */
  type: string;
  /** The aggregate the event belongs to; events of one aggregate are handled in publish order. */
  aggregateId: string;
  /** Version of the aggregate after this event (non-negative integer). */
  version: number;
  /** When it happened: RFC 3339 / ISO 8601 with a time zone; defaults to the publish time. */
  occurredAt: string;
  /** The event data; it travels as JSON, so it arrives as JSON would parse it (dates become strings). */
  payload: T;
  /** Correlation, causation, tracing and user keys; `{}` when there are none. */
  metadata: EventMetadata;
}

/** What a publisher passes to `publishDomainEvent`; the optional fields get defaults. */
export interface NewDomainEvent<T = unknown> {
  aggregateId: string;
  type: string;
  version: number;
  payload: T;
  /** Default: a new UUIDv7. */
  id?: string;
  /** Default: now. A `Date` is written as its ISO string. */
  occurredAt?: string | Date;
  /** Default: `{}`. Copied, not kept by reference. */
  metadata?: EventMetadata;
}

/**
 * Builds the envelope of a new domain event: fills the defaults and checks every field against the envelope
 * rules (`envelope-field-rules.ts`). Throws `InvalidDomainEventError` naming the first bad field.
 */
export function createEnvelope<T>(input: NewDomainEvent<T>): DomainEventEnvelope<T> {
  if (!isObject(input)) throw new InvalidDomainEventError('event', 'an object', input);
  const { occurredAt, metadata = {} } = input;
  const envelope = {
    id: input.id ?? uuidv7(),
    type: input.type,
    aggregateId: input.aggregateId,
    version: input.version,
    occurredAt: occurredAt === undefined ? new Date().toISOString() : toIsoString(occurredAt),
    payload: input.payload,
    metadata,
  };
  const problem = findEnvelopeProblem(envelope);
  if (problem) throw new InvalidDomainEventError(problem.field, problem.expected, problem.actual);
  return { ...envelope, metadata: { ...metadata } };
}

function toIsoString(value: string | Date): string {
  if (!(value instanceof Date)) return value;
  return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
}
