import type { JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { readDeliveryInfo } from './nats-delivery-info';

/** A delivered message with this reply subject; `info` is what nats.js would have parsed (or throws). */
const delivered = (reply: string, info?: Partial<JsMsg['info']>) =>
  ({
    reply,
    get info() {
      if (!info) throw new Error('unable to parse delivery info - not a jetstream message');
      return info;
    },
  }) as unknown as JsMsg;

const NANOS = '1732900000123456789';

describe('readDeliveryInfo', () => {
  it('reads deliveries, stream sequence and time of the long form, with or without the trailing token', () => {
    for (const reply of [
      `$JS.ACK._.acchash.orders.durable.3.1042.77.${NANOS}.5`,
      `$JS.ACK.hub.acchash.orders.durable.3.1042.77.${NANOS}.5.token`,
    ]) {
      expect(readDeliveryInfo(delivered(reply))).toEqual({
        deliveryCount: 3,
        streamSequence: 1042,
        timestampMs: 1732900000123,
      });
    }
  });

  it('reads the short form without domain and account hash', () => {
    expect(readDeliveryInfo(delivered(`$JS.ACK.orders.durable.1.7.7.${NANOS}.0`))).toEqual({
      deliveryCount: 1,
      streamSequence: 7,
      timestampMs: 1732900000123,
    });
  });

  it("leaves any other subject to nats.js's own parser", () => {
    const info = { deliveryCount: 2, streamSequence: 9, timestampNanos: 5_000_000 };
    expect(readDeliveryInfo(delivered('$JS.ACK.orders.durable.x.9.9.5000000.0', info))).toEqual({
      deliveryCount: 2,
      streamSequence: 9,
      timestampMs: 5,
    });
    expect(() => readDeliveryInfo(delivered('_INBOX.abc'))).toThrow(/not a jetstream message/);
  });
});
