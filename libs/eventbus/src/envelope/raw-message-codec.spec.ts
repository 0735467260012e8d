import { describe, expect, it } from 'vitest';
import { MessageDecodeError } from '../errors/message-decode.error';
import { MessageEncodeError } from '../errors/message-encode.error';
import { ContentTypes, EnvelopeHeaders } from './envelope-headers';
import { decodeRaw, encodeRaw } from './raw-message-codec';

const INVALID_UTF8 = Buffer.from([0x7b, 0xc3, 0x28, 0x7d]);

function roundTrip(body: unknown): unknown {
  const { value, headers } = encodeRaw(body);
  return decodeRaw(value, headers);
}

function decodeError(value: Buffer, contentType: string): MessageDecodeError {
  try {
    decodeRaw(value, { [EnvelopeHeaders.contentType]: contentType });
  } catch (error) {
    expect(error).toBeInstanceOf(MessageDecodeError);
    return error as MessageDecodeError;
  }
  throw new Error('decodeRaw accepted an undecodable body');
}

describe('raw codec round trip', () => {
  it.each([
    ['an object', { who: 'x', nested: { list: [1, 'two', null] } }],
    ['an array', [1, 2, 3]],
    ['a number', 42],
    ['a boolean', false],
    ['null', null],
    ['a string', 'hello'],
    ['a string that looks like JSON', '{"a":1}'],
    ['a numeric string', '42'],
    ['an empty string', ''],
    ['a non-ASCII string', 'Grüße, 世界 🎉'],
    ['undefined', undefined],
  ])('gives back %s', (_name, body) => {
    expect(roundTrip(body)).toEqual(body);
  });

  it('labels objects JSON, strings text and bytes octet-stream', () => {
    expect(encodeRaw({ a: 1 })).toEqual({
      value: Buffer.from('{"a":1}'),
      headers: { [EnvelopeHeaders.contentType]: ContentTypes.json },
    });
    expect(encodeRaw('hi').headers).toEqual({ [EnvelopeHeaders.contentType]: ContentTypes.text });
    expect(encodeRaw(Buffer.from('hi')).headers).toEqual({
      [EnvelopeHeaders.contentType]: ContentTypes.octetStream,
    });
    expect(encodeRaw(undefined)).toEqual({ value: Buffer.alloc(0), headers: {} });
  });

  it('gives back a Buffer as the same bytes, also bytes that are not UTF-8 or look like JSON', () => {
    for (const bytes of [INVALID_UTF8, Buffer.from('{"a":1}'), Buffer.alloc(0)]) {
      const decoded = roundTrip(bytes);
      expect(Buffer.isBuffer(decoded)).toBe(true);
      expect((decoded as Buffer).equals(bytes)).toBe(true);
    }
  });

  it('gives back a plain Uint8Array as a Buffer of the same bytes', () => {
    const decoded = roundTrip(new Uint8Array([0, 1, 255]));
    expect(Buffer.isBuffer(decoded)).toBe(true);
    expect([...(decoded as Buffer)]).toEqual([0, 1, 255]);
  });

  it('copies the bytes it is given', () => {
    const bytes = Buffer.from('abc');
    const { value } = encodeRaw(bytes);
    bytes[0] = 0x7a;
    expect(value.toString()).toBe('abc');
  });

  it('follows JSON semantics for dates and toJSON', () => {
    const at = new Date(Date.UTC(2024, 4, 1));
    expect(roundTrip({ at })).toEqual({ at: '2024-05-01T00:00:00.000Z' });
    expect(roundTrip({ toJSON: () => 'custom' })).toBe('custom');
  });
});

describe('encodeRaw rejects what JSON cannot carry', () => {
  it.each([
    ['a bigint', 10n, /bigint|BigInt/],
    [
      'a circular object',
      (() => {
        const loop: Record<string, unknown> = {};
        loop.self = loop;
        return loop;
      })(),
      /circular/i,
    ],
    ['a function', () => 1, /a function cannot be written as JSON/],
    ['a symbol', Symbol('s'), /a symbol cannot be written as JSON/],
  ])('%s', (_name, body, message) => {
    expect(() => encodeRaw(body)).toThrow(MessageEncodeError);
    expect(() => encodeRaw(body)).toThrow(message);
  });
});

describe('decodeRaw by content type', () => {
  it('parses JSON labelled application/json with parameters, in any case, and +json types', () => {
    expect(decodeRaw(Buffer.from('{"a":1}'), { 'Content-Type': 'Application/JSON; charset=utf-8' })).toEqual({
      a: 1,
    });
    expect(
      decodeRaw(Buffer.from('[1]'), { [EnvelopeHeaders.contentType]: 'application/cloudevents+json' }),
    ).toEqual([1]);
  });

  it('keeps text/* as a string even when it looks like JSON', () => {
    expect(decodeRaw(Buffer.from('42'), { [EnvelopeHeaders.contentType]: 'text/csv' })).toBe('42');
  });

  it('gives other labelled types as bytes', () => {
    const decoded = decodeRaw(Buffer.from('{"a":1}'), {
      [EnvelopeHeaders.contentType]: 'application/x-protobuf',
    });
    expect(Buffer.isBuffer(decoded)).toBe(true);
    expect((decoded as Buffer).toString()).toBe('{"a":1}');
  });

  it('gives an empty or missing body as undefined, as empty text or as empty bytes, by label', () => {
    expect(decodeRaw(null, { [EnvelopeHeaders.contentType]: ContentTypes.json })).toBeUndefined();
    expect(decodeRaw(Buffer.alloc(0), { [EnvelopeHeaders.contentType]: ContentTypes.json })).toBeUndefined();
    expect(decodeRaw(undefined, {})).toBeUndefined();
    expect(decodeRaw(null, { [EnvelopeHeaders.contentType]: ContentTypes.text })).toBe('');
    const bytes = decodeRaw(null, { [EnvelopeHeaders.contentType]: ContentTypes.octetStream });
    expect(Buffer.isBuffer(bytes) && bytes.length === 0).toBe(true);
  });

  it('sniffs an unlabelled body: JSON, else text, else bytes; never throws', () => {
    expect(decodeRaw(Buffer.from('{"a":[1,2]}'), {})).toEqual({ a: [1, 2] });
    expect(decodeRaw(Buffer.from('42'), {})).toBe(42);
    expect(decodeRaw(Buffer.from('plain words'), {})).toBe('plain words');
    expect(decodeRaw(Buffer.from('{"broken":'), {})).toBe('{"broken":');
    // An empty content-type value labels nothing.
    expect(decodeRaw(Buffer.from('7'), { [EnvelopeHeaders.contentType]: ' ' })).toBe(7);
    const bytes = decodeRaw(INVALID_UTF8, {});
    expect(Buffer.isBuffer(bytes) && (bytes as Buffer).equals(INVALID_UTF8)).toBe(true);
  });

  it('accepts a plain Uint8Array value', () => {
    expect(decodeRaw(new TextEncoder().encode('{"a":1}'), {})).toEqual({ a: 1 });
  });
});

describe('decodeRaw rejects a body that contradicts its label', () => {
  it('JSON label, not JSON', () => {
    const error = decodeError(Buffer.from('{"a":'), ContentTypes.json);
    expect(error.reason).toBe('invalid-json');
    expect(error.contentType).toBe(ContentTypes.json);
    expect(error.name).toBe('MessageDecodeError');
  });

  it('keeps its message on one line (it may become a header)', () => {
    const error = decodeError(Buffer.from('bad\r\njson'), ContentTypes.json);
    expect(error.reason).toBe('invalid-json');
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it('JSON label, not UTF-8', () => {
    const error = decodeError(INVALID_UTF8, ContentTypes.json);
    expect(error.reason).toBe('invalid-utf8');
  });

  it('text label, not UTF-8', () => {
    const error = decodeError(INVALID_UTF8, ContentTypes.text);
    expect(error.reason).toBe('invalid-utf8');
    expect(error.contentType).toBe(ContentTypes.text);
  });
});
