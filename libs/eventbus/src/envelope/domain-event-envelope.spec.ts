import { validate as isUuid, version as uuidVersion } from 'uuid';
import { describe, expect, it } from 'vitest';
import { InvalidDomainEventError } from '../errors/invalid-domain-event.error';
import { createEnvelope, type NewDomainEvent } from './domain-event-envelope';

const base: NewDomainEvent<{ total: number }> = {
  aggregateId: 'order-42',
  type: 'OrderPlaced',
  version: 1,
  payload: { total: 10 },
};

function creationError(input: unknown): InvalidDomainEventError {
  try {
    createEnvelope(input as NewDomainEvent<unknown>);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDomainEventError);
    return error as InvalidDomainEventError;
  }
  throw new Error('createEnvelope accepted invalid input');
}

describe('createEnvelope defaults', () => {
  it('keeps the given fields and fills id, occurredAt and metadata', () => {
    const before = Date.now();
    const envelope = createEnvelope(base);
    const after = Date.now();

    expect(envelope).toMatchObject({
      aggregateId: 'order-42',
      type: 'OrderPlaced',
      version: 1,
      payload: { total: 10 },
    });
    expect(envelope.metadata).toEqual({});
    expect(isUuid(envelope.id)).toBe(true);
    expect(uuidVersion(envelope.id)).toBe(7);
    expect(envelope.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const occurredAt = Date.parse(envelope.occurredAt);
    expect(occurredAt).toBeGreaterThanOrEqual(before);
    expect(occurredAt).toBeLessThanOrEqual(after);
  });

  it('gives UUIDv7 ids that sort in creation order and carry the creation time', () => {
    const before = Date.now();
    const ids = Array.from({ length: 1000 }, () => createEnvelope(base).id);
    const after = Date.now();

    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
    for (const id of [ids[0], ids[999]]) {
      const millis = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
      expect(millis).toBeGreaterThanOrEqual(before);
      expect(millis).toBeLessThanOrEqual(after);
    }
  });

  it('keeps a chosen id, occurredAt and metadata, and copies the metadata', () => {
    const metadata = {
      correlationId: 'c-1',
      causationId: 'cmd-1',
      traceparent: '00-abc-def-01',
      tenant: 't1',
    };
    const envelope = createEnvelope({
      ...base,
      id: 'evt-1',
      occurredAt: '2024-05-01T12:00:00+02:00',
      metadata,
    });

    expect(envelope.id).toBe('evt-1');
    expect(envelope.occurredAt).toBe('2024-05-01T12:00:00+02:00');
    expect(envelope.metadata).toEqual(metadata);
    metadata.tenant = 'changed';
    expect(envelope.metadata.tenant).toBe('t1');
  });

  it('writes a Date occurredAt as its ISO string', () => {
    const envelope = createEnvelope({ ...base, occurredAt: new Date(Date.UTC(2024, 4, 1, 12)) });
    expect(envelope.occurredAt).toBe('2024-05-01T12:00:00.000Z');
  });

  it('accepts version 0 and a null payload', () => {
    const envelope = createEnvelope({ ...base, version: 0, payload: null });
    expect(envelope.version).toBe(0);
    expect(envelope.payload).toBeNull();
  });
});

describe('createEnvelope validation', () => {
  it.each([
    ['event', null],
    ['event', 'OrderPlaced'],
    ['event', [base]],
  ])('rejects a non-object event (%s = %j)', (field, input) => {
    const error = creationError(input);
    expect(error.field).toBe(field);
    expect(error.message).toContain('"event" must be an object');
  });

  it.each<[string, Record<string, unknown>]>([
    ['aggregateId', { aggregateId: undefined }],
    ['aggregateId', { aggregateId: '' }],
    ['aggregateId', { aggregateId: 42 }],
    ['aggregateId', { aggregateId: ' order-42' }],
    ['aggregateId', { aggregateId: 'order\n42' }],
    ['type', { type: undefined }],
    ['type', { type: '   ' }],
    ['type', { type: {} }],
    ['id', { id: '' }],
    ['id', { id: 7 }],
    ['id', { id: 'evt\u00001' }],
    ['version', { version: undefined }],
    ['version', { version: -1 }],
    ['version', { version: 1.5 }],
    ['version', { version: '1' }],
    ['version', { version: Number.NaN }],
    ['version', { version: 2 ** 53 }],
    ['occurredAt', { occurredAt: 'yesterday' }],
    ['occurredAt', { occurredAt: '2024-05-01' }],
    ['occurredAt', { occurredAt: '2024-05-01T12:00:00' }],
    ['occurredAt', { occurredAt: '2024-02-30T12:00:00Z' }],
    ['occurredAt', { occurredAt: 1714564800000 }],
    ['occurredAt', { occurredAt: new Date('not a date') }],
    ['payload', { payload: undefined }],
    ['payload', { payload: () => 1 }],
    ['payload', { payload: Symbol('x') }],
    ['metadata', { metadata: null }],
    ['metadata', { metadata: ['c-1'] }],
    ['metadata', { metadata: 'c-1' }],
    ['metadata.correlationId', { metadata: { correlationId: 42 } }],
    ['metadata.causationId', { metadata: { causationId: '' } }],
    ['metadata.traceparent', { metadata: { traceparent: '00-a\r\n' } }],
  ])('names the bad field %s (%j)', (field, override) => {
    const error = creationError({ ...base, ...override });
    expect(error.name).toBe('InvalidDomainEventError');
    expect(error.field).toBe(field);
    expect(error.message).toContain(`"${field}" must be`);
  });
});
