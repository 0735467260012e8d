import { describe, expect, it } from 'vitest';
import { NatsDeliveryTracker } from './nats-delivery.tracker';
import type { NatsInboundMessage } from './nats-inbound-message';

const message = (sequence: number) => ({ sequence }) as NatsInboundMessage;

describe('NatsDeliveryTracker', () => {
  it('holds until settled, then remembers the outcome', () => {
    const tracker = new NatsDeliveryTracker(10);
    tracker.hold(message(1));
    tracker.hold(message(2));
    expect(tracker.heldMessage(1)?.sequence).toBe(1);
    tracker.markSettled(1, 'ack');
    tracker.markSettled(2, 'term');
    expect(tracker.heldMessage(1)).toBeUndefined();
    expect(tracker.settledOutcome(1)).toBe('ack');
    expect(tracker.settledOutcome(2)).toBe('term');
    expect(tracker.unsettled()).toEqual([]);
  });

  it('forgets released sequences and bounds the settled memory', () => {
    const tracker = new NatsDeliveryTracker(3);
    tracker.hold(message(7));
    tracker.forget(7);
    expect(tracker.heldMessage(7)).toBeUndefined();
    expect(tracker.settledOutcome(7)).toBeUndefined();
    for (let seq = 1; seq <= 5; seq++) tracker.markSettled(seq, 'ack');
    expect([1, 2, 3, 4, 5].map((s) => tracker.settledOutcome(s))).toEqual([
      undefined,
      undefined,
      'ack',
      'ack',
      'ack',
    ]);
  });
});
