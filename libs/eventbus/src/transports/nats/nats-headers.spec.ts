import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { fromNatsHeaders, NatsHeaders, parseHeaderBlock, toNatsHeaders } from './nats-headers';

/** The bytes nats.js writes for these headers (`MsgHdrsImpl.encode()`). */
const encode = (h: MsgHdrs) => new TextEncoder().encode(h.toString());

/** The header block nats.js writes for these headers (what a delivered message starts with). */
function block(build: (h: ReturnType<typeof natsHeaders>) => void): Uint8Array {
  const h = natsHeaders();
  build(h);
  return encode(h);
}

describe('parseHeaderBlock', () => {
  it('reads a block as fromNatsHeaders reads nats.js MsgHdrs: own headers, the key, no nats- headers', () => {
    const encoded = toNatsHeaders(
      { ce_id: 'e-1', ce_type: 'OrderPlaced', 'x-reason': 'a: b  c', 'Nats-Msg-Id': 'dedup' },
      'order-1',
    );
    encoded.set('Nats-Expected-Stream', 'orders');
    const parsed = parseHeaderBlock(encode(encoded));
    expect(parsed).toEqual({
      headers: { ce_id: 'e-1', ce_type: 'OrderPlaced', 'x-reason': 'a: b  c' },
      key: 'order-1',
    });
    expect(parsed).toEqual(fromNatsHeaders(encoded));
  });

  it('trims values as nats.js does', () => {
    const raw = new TextEncoder().encode('NATS/1.0\r\na:  \t v 1 \t\r\nb:\u00a0w\u00a0\r\nc:\r\n\r\n');
    expect(parseHeaderBlock(raw).headers).toEqual({ a: 'v 1', b: 'w', c: '' });
  });

  it('drops nats- headers in any case and keeps names that only look alike', () => {
    const encoded = block((h) => {
      h.set('NATS-Sequence', '1');
      h.set('nats-x', '2');
      h.set('natsx', '3');
      h.set('nats_y', '4');
      h.set('nat', '5');
    });
    expect(parseHeaderBlock(encoded).headers).toEqual({ natsx: '3', nats_y: '4', nat: '5' });
  });

  it('keeps the first value of a repeated name, as MsgHdrs.get does', () => {
    const encoded = block((h) => {
      h.append('a', '1');
      h.append('a', '2');
      h.append(NatsHeaders.key, 'k1');
      h.append(NatsHeaders.key, 'k2');
    });
    expect(parseHeaderBlock(encoded)).toEqual({ headers: { a: '1' }, key: 'k1' });
  });

  it('reads nothing from an empty block or one with only the status line', () => {
    expect(parseHeaderBlock(new Uint8Array(0))).toEqual({ headers: {}, key: undefined });
    expect(parseHeaderBlock(new TextEncoder().encode('NATS/1.0\r\n\r\n'))).toEqual({
      headers: {},
      key: undefined,
    });
  });

  it('treats names like constructor as ordinary headers', () => {
    expect(parseHeaderBlock(block((h) => h.set('constructor', 'x'))).headers).toEqual({ constructor: 'x' });
  });
});
