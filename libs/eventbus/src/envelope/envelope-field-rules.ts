import type { DomainEventEnvelope } from './domain-event-envelope';

/** The first envelope field that breaks a rule: its name, what is allowed and what was found. */
export interface EnvelopeFieldProblem {
  readonly field: string;
  readonly expected: string;
  readonly actual: unknown;
}

type EnvelopeCandidate = { readonly [K in keyof DomainEventEnvelope]?: unknown };

const HEADER_SAFE = 'a non-empty string without surrounding whitespace or control characters';
const RFC_3339 = 'an RFC 3339 date-time string with a time zone, e.g. 2024-05-01T12:00:00.000Z';
const RFC_3339_PATTERN =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(?:\.\d+)?(?:Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;
const CONTROL_CHARACTER = /\p{Cc}/u;

/** Metadata keys that also travel as headers, so they follow the header rules. */
const HEADER_METADATA_KEYS = ['correlationId', 'causationId', 'traceparent', 'tracestate'] as const;

/**
 * The rules every envelope obeys, checked the same way when an event is created, encoded and decoded (so
 * whatever is published can be read back, and whatever is read can be published again):
 * - `id`, `type`, `aggregateId`: non-empty strings without surrounding whitespace or control characters
 *   (they travel as headers; NATS trims header values and rejects line breaks);
 * - `version`: a non-negative safe integer;
 * - `occurredAt`: an RFC 3339 date-time with a time zone (the ISO 8601 profile CloudEvents `time` uses)
 *   naming a real calendar date;
 * - `payload`: anything JSON can carry, `null` included; not `undefined`, a function or a symbol;
 * - `metadata`: an object (not an array, not null); `correlationId`, `causationId`, `traceparent` and `tracestate`,
 *   when present, follow the header string rule. Other metadata keys are free.
 */
export function findEnvelopeProblem(candidate: EnvelopeCandidate): EnvelopeFieldProblem | undefined {
  for (const field of ['id', 'type', 'aggregateId'] as const) {
    if (!isHeaderSafe(candidate[field])) return { field, expected: HEADER_SAFE, actual: candidate[field] };
  }
  const { version, occurredAt, payload, metadata } = candidate;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    return { field: 'version', expected: 'a non-negative safe integer', actual: version };
  }
  if (!isRfc3339(occurredAt)) return { field: 'occurredAt', expected: RFC_3339, actual: occurredAt };
  if (payload === undefined || typeof payload === 'function' || typeof payload === 'symbol') {
    return { field: 'payload', expected: 'a JSON value (null allowed)', actual: payload };
  }
  if (!isObject(metadata)) return { field: 'metadata', expected: 'an object', actual: metadata };
  for (const key of HEADER_METADATA_KEYS) {
    if (metadata[key] !== undefined && !isHeaderSafe(metadata[key])) {
      return { field: `metadata.${key}`, expected: `undefined or ${HEADER_SAFE}`, actual: metadata[key] };
    }
  }
  return undefined;
}

/** A non-null object that is not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHeaderSafe(value: unknown): value is string {
  return (
    typeof value === 'string' && value !== '' && value === value.trim() && !CONTROL_CHARACTER.test(value)
  );
}

/** RFC 3339 date-time with a real calendar date (no February 30); checked without building a Date (hot path). */
function isRfc3339(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (!RFC_3339_PATTERN.test(value)) return false;
  // The pattern fixed the positions: YYYY-MM-DD at the start.
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 7);
  const day = digits(value, 8, 10);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day <= daysInMonth;
}

/** The decimal number written by the ASCII digits `value[from..to)`. */
function digits(value: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + value.charCodeAt(i) - 48;
  return n;
}
