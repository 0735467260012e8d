import { describe, expect, it } from 'vitest';
import { EnvelopeDecodeError, type EnvelopeDecodeReason } from '../errors/envelope-decode.error';
import { InvalidDomainEventError } from '../errors/invalid-domain-event.error';
import { MessageEncodeError } from '../errors/message-encode.error';
import type { OutboundMessage } from '../transports/transport.port';
import { createEnvelope, type DomainEventEnvelope } from './domain-event-envelope';
import { decodeEnvelope, decodeReceivedEnvelope, encodeEnvelope } from './envelope-codec';
import { CLOUDEVENTS_SPEC_VERSION, ContentTypes, EnvelopeHeaders } from './envelope-headers';

const envelope: DomainEventEnvelope<{ total: number; lines: string[] }> = {
  id: '0190b5a2-7d3c-7b1e-8a4f-2c9d1e0f3a5b',
  type: 'OrderPlaced',
  aggregateId: 'order-42',
  version: 3,
  occurredAt: '2024-05-01T12:00:00.000Z',
  payload: { total: 10, lines: ['a', 'b'] },
  metadata: { correlationId: 'corr-1', causationId: 'cmd-7', traceparent: '00-4bf9-00f0-01', tenant: 'acme' },
};

/** A well-formed body, as a JSON object to damage. */
function body(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(envelope)) as Record<string, unknown>;
}

function bytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function decodeError(
  value: Buffer | Uint8Array | null | undefined,
  headers: Record<string, string> = {},
): EnvelopeDecodeError {
  try {
    decodeEnvelope(value, headers);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeDecodeError);
    return error as EnvelopeDecodeError;
  }
  throw new Error('decodeEnvelope accepted a malformed message');
}

function expectDecodeError(
  error: EnvelopeDecodeError,
  reason: EnvelopeDecodeReason,
  field: string | undefined = undefined,
): void {
  expect(error.name).toBe('EnvelopeDecodeError');
  expect(error.reason).toBe(reason);
  expect(error.field).toBe(field);
  expect(error.message).toContain(`(${reason})`);
}

describe('envelope codec round trip', () => {
  it('decodes what it encoded to an equal envelope', () => {
    const encoded = encodeEnvelope(envelope);
    expect(decodeEnvelope(encoded.value, encoded.headers)).toEqual(envelope);
  });

  it('round-trips an envelope made by createEnvelope, with a null payload and no metadata keys', () => {
    const created = createEnvelope({ aggregateId: 'a-1', type: 'Created', version: 0, payload: null });
    const encoded = encodeEnvelope(created);
    expect(decodeEnvelope(encoded.value, encoded.headers)).toEqual(created);
  });

  it('round-trips non-ASCII text in fields and payload', () => {
    const unicode = { ...envelope, aggregateId: 'commande-é-42', payload: { note: 'Grüße 🎉' } };
    const encoded = encodeEnvelope(unicode);
    expect(decodeEnvelope(encoded.value, encoded.headers)).toEqual(unicode);
  });

  it('writes the whole envelope as UTF-8 JSON, the aggregate id as key, the envelope id as id', () => {
    const encoded = encodeEnvelope(envelope);
    expect(JSON.parse(encoded.value.toString('utf8'))).toEqual(envelope);
    expect(encoded.key).toBe('order-42');
    expect(encoded.id).toBe(envelope.id);
    const outbound: OutboundMessage = encoded;
    expect(outbound.key).toBe('order-42');
  });

  it('writes every routing field and metadata header with its value', () => {
    expect(encodeEnvelope(envelope).headers).toEqual({
      [EnvelopeHeaders.specVersion]: CLOUDEVENTS_SPEC_VERSION,
      [EnvelopeHeaders.id]: envelope.id,
      [EnvelopeHeaders.type]: 'OrderPlaced',
      [EnvelopeHeaders.subject]: 'order-42',
      [EnvelopeHeaders.time]: '2024-05-01T12:00:00.000Z',
      [EnvelopeHeaders.aggregateVersion]: '3',
      [EnvelopeHeaders.contentType]: ContentTypes.json,
      [EnvelopeHeaders.correlationId]: 'corr-1',
      [EnvelopeHeaders.causationId]: 'cmd-7',
      [EnvelopeHeaders.traceparent]: '00-4bf9-00f0-01',
    });
    expect(EnvelopeHeaders).toMatchObject({
      specVersion: 'ce_specversion',
      id: 'ce_id',
      type: 'ce_type',
      subject: 'ce_subject',
      time: 'ce_time',
      contentType: 'content-type',
      traceparent: 'traceparent',
    });
  });

  it('writes no metadata headers when the metadata has none, and ce_source only when given', () => {
    const encoded = encodeEnvelope({ ...envelope, metadata: { tenant: 'acme' } });
    expect(Object.keys(encoded.headers)).not.toContain(EnvelopeHeaders.correlationId);
    expect(Object.keys(encoded.headers)).not.toContain(EnvelopeHeaders.causationId);
    expect(Object.keys(encoded.headers)).not.toContain(EnvelopeHeaders.traceparent);
    expect(Object.keys(encoded.headers)).not.toContain(EnvelopeHeaders.source);
    expect(encodeEnvelope(envelope, { source: 'urn:orders-svc' }).headers[EnvelopeHeaders.source]).toBe(
      'urn:orders-svc',
    );
  });

  it('does not write fields outside the envelope', () => {
    const withExtra = { ...envelope, secret: 'x' } as DomainEventEnvelope;
    expect(JSON.parse(encodeEnvelope(withExtra).value.toString('utf8'))).toEqual(envelope);
  });

  it('decodes without any header (the body is self-contained)', () => {
    expect(decodeEnvelope(encodeEnvelope(envelope).value, {})).toEqual(envelope);
  });

  it('decodes a plain Uint8Array body', () => {
    expect(decodeEnvelope(new Uint8Array(encodeEnvelope(envelope).value), {})).toEqual(envelope);
  });
});

describe('encodeEnvelope rejects what it could not decode', () => {
  it('checks the envelope rules (InvalidDomainEventError naming the field)', () => {
    const bad = { ...envelope, version: -1 };
    expect(() => encodeEnvelope(bad)).toThrow(InvalidDomainEventError);
    expect(() => encodeEnvelope(bad)).toThrow('"version" must be a non-negative safe integer');
  });

  it('rejects a payload JSON cannot carry (MessageEncodeError)', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => encodeEnvelope({ ...envelope, payload: loop })).toThrow(MessageEncodeError);
    expect(() => encodeEnvelope({ ...envelope, payload: { n: 1n } })).toThrow(/not JSON-serializable/);
  });
});

describe('decodeEnvelope: unreadable body', () => {
  it('null body', () => expectDecodeError(decodeError(null), 'empty-body'));
  it('undefined body', () => expectDecodeError(decodeError(undefined), 'empty-body'));
  it('zero-byte body', () => expectDecodeError(decodeError(Buffer.alloc(0)), 'empty-body'));
  it('invalid UTF-8', () =>
    expectDecodeError(decodeError(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 'invalid-utf8'));
  it('not JSON', () => expectDecodeError(decodeError(Buffer.from('{"id": "x",')), 'invalid-json'));
  it('whitespace only', () => expectDecodeError(decodeError(Buffer.from('  \n')), 'invalid-json'));
  it('plain text', () => expectDecodeError(decodeError(Buffer.from('OrderPlaced')), 'invalid-json'));
  it('keeps its message on one line (it becomes a dead-letter header)', () => {
    const error = decodeError(Buffer.from('Order\r\nPlaced'));
    expectDecodeError(error, 'invalid-json');
    expect(error.message).not.toMatch(/[\r\n]/);
  });
});

describe('decodeEnvelope: JSON that is not an object', () => {
  it.each([
    ['an array', [body()]],
    ['a number', 42],
    ['a string', 'OrderPlaced'],
    ['a boolean', true],
    ['null', null],
  ])('%s', (_name, value) => expectDecodeError(decodeError(bytes(value)), 'not-an-object'));
});

describe('decodeEnvelope: bad fields', () => {
  it.each<[string, string, unknown]>([
    ['missing id', 'id', undefined],
    ['empty id', 'id', ''],
    ['numeric id', 'id', 7],
    ['id with surrounding spaces', 'id', ' evt-1 '],
    ['missing type', 'type', undefined],
    ['empty type', 'type', ''],
    ['object type', 'type', { name: 'OrderPlaced' }],
    ['missing aggregateId', 'aggregateId', undefined],
    ['empty aggregateId', 'aggregateId', ''],
    ['numeric aggregateId', 'aggregateId', 42],
    ['aggregateId with a line break', 'aggregateId', 'order\n42'],
    ['missing version', 'version', undefined],
    ['string version', 'version', '3'],
    ['negative version', 'version', -1],
    ['fractional version', 'version', 1.5],
    ['unsafe integer version', 'version', 2 ** 53],
    ['null version', 'version', null],
    ['missing occurredAt', 'occurredAt', undefined],
    ['numeric occurredAt', 'occurredAt', 1714564800000],
    ['occurredAt not a date', 'occurredAt', 'last tuesday'],
    ['occurredAt without time', 'occurredAt', '2024-05-01'],
    ['occurredAt without time zone', 'occurredAt', '2024-05-01T12:00:00'],
    ['occurredAt in month 13', 'occurredAt', '2024-13-01T12:00:00Z'],
    ['occurredAt on February 30', 'occurredAt', '2024-02-30T12:00:00Z'],
    ['occurredAt at hour 25', 'occurredAt', '2024-05-01T25:00:00Z'],
    ['missing payload', 'payload', undefined],
    ['null metadata', 'metadata', null],
    ['array metadata', 'metadata', []],
    ['string metadata', 'metadata', 'corr-1'],
    ['numeric metadata.correlationId', 'metadata.correlationId', { correlationId: 1 }],
    ['empty metadata.causationId', 'metadata.causationId', { causationId: '' }],
    ['object metadata.traceparent', 'metadata.traceparent', { traceparent: {} }],
  ])('%s', (_name, field, value) => {
    const damaged = body();
    const top = field.split('.')[0];
    if (value === undefined) delete damaged[top];
    else damaged[top] = value;
    const error = decodeError(bytes(damaged));
    expectDecodeError(error, 'invalid-field', field);
    expect(error.message).toContain(`"${field}" must be`);
  });

  it('accepts a null payload', () => {
    expect(decodeEnvelope(bytes({ ...body(), payload: null }), {}).payload).toBeNull();
  });

  it('accepts occurredAt with an offset and fractional seconds', () => {
    const occurredAt = '2024-05-01T14:00:00.123456+02:00';
    expect(decodeEnvelope(bytes({ ...body(), occurredAt }), {}).occurredAt).toBe(occurredAt);
  });

  it('turns missing metadata into {}', () => {
    const withoutMetadata = body();
    delete withoutMetadata.metadata;
    expect(decodeEnvelope(bytes(withoutMetadata), {}).metadata).toEqual({});
  });

  it('ignores unknown fields', () => {
    const decoded = decodeEnvelope(bytes({ ...body(), schema: 'v2', extra: { a: 1 } }), {});
    expect(decoded).toEqual(envelope);
    expect(Object.keys(decoded).sort()).toEqual(Object.keys(envelope).sort());
  });
});

describe('decodeEnvelope: headers that disagree with the body', () => {
  it.each([
    [EnvelopeHeaders.id, 'id'],
    [EnvelopeHeaders.subject, 'aggregateId'],
    [EnvelopeHeaders.type, 'type'],
  ])('%s differs from the body -> rejected, naming %s', (header, field) => {
    const { value, headers } = encodeEnvelope(envelope);
    const error = decodeError(value, { ...headers, [header]: 'something-else' });
    expectDecodeError(error, 'header-mismatch', field);
    expect(error.message).toContain(header);
  });

  it('reads no other header: a different ce_time or version header is not an error', () => {
    const { value, headers } = encodeEnvelope(envelope);
    const other = { ...headers, [EnvelopeHeaders.time]: 'x', [EnvelopeHeaders.aggregateVersion]: '99' };
    expect(decodeEnvelope(value, other)).toEqual(envelope);
  });

  it('from a received message, asks for the three checked headers only', () => {
    const { value, headers } = encodeEnvelope(envelope);
    const asked: string[] = [];
    const message = { header: (name: string) => (asked.push(name), headers[name]) };
    expect(decodeReceivedEnvelope(value, message)).toEqual(envelope);
    expect(asked.sort()).toEqual([EnvelopeHeaders.id, EnvelopeHeaders.subject, EnvelopeHeaders.type].sort());
  });
});
