import type { ConsumerInfo } from '@nats-io/jetstream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NatsInboundMessage } from './nats-inbound-message';
import { NatsRecoveryBarrier } from './nats-recovery.barrier';

const message = (sequence: number) => ({ sequence }) as NatsInboundMessage;
const info = (numAckPending: number, lastDelivered: number) =>
  ({ num_ack_pending: numAckPending, delivered: { stream_seq: lastDelivered } }) as ConsumerInfo;

function barrier(waitMs = 5_000) {
  const lifts: { held: number[]; missing: number }[] = [];
  const b = new NatsRecoveryBarrier(waitMs, (held, missing) =>
    lifts.push({ held: held.map((m) => m.sequence), missing }),
  );
  return { b, lifts };
}

describe('NatsRecoveryBarrier', () => {
  afterEach(() => vi.useRealTimers());

  it('holds everything until armed; with nothing missing, arming hands the held messages over in sequence order', () => {
    const { b, lifts } = barrier();
    expect(b.holds(message(12))).toBe(true);
    expect(b.holds(message(11))).toBe(true);
    expect(b.arm(info(2, 12), [11, 12])).toBe(0);
    expect(lifts).toEqual([{ held: [11, 12], missing: 0 }]);
    expect(b.holds(message(13))).toBe(false);
  });

  it('waits only for the unacknowledged messages this instance does not hold, newer ones held behind them', () => {
    const { b, lifts } = barrier();
    // The server has 5 unacknowledged up to #10; #9 and #10 are held here (unsettled), #4, #6, #7 are not.
    expect(b.arm(info(5, 10), [9, 10, 15])).toBe(3);
    expect(b.holds(message(11))).toBe(true);
    expect(b.holds(message(6))).toBe(true);
    b.returned(4); // redelivery of one settled here whose ack was lost
    expect(lifts).toEqual([]);
    expect(b.holds(message(7))).toBe(true);
    expect(lifts).toEqual([{ held: [6, 7, 11], missing: 0 }]);
    expect(b.holds(message(12))).toBe(false);
  });

  it('lifts after the wait with what is still missing; a new raise disarms until the next arm', () => {
    vi.useFakeTimers();
    const { b, lifts } = barrier(1_000);
    b.arm(info(2, 10), []);
    b.raise();
    vi.advanceTimersByTime(5_000);
    expect(lifts).toEqual([]);
    b.holds(message(12));
    b.arm(info(3, 12), [12]);
    b.holds(message(8));
    vi.advanceTimersByTime(1_000);
    expect(lifts).toEqual([{ held: [8, 12], missing: 1 }]);
  });

  it('cancel gives back what it held without lifting', () => {
    const { b, lifts } = barrier();
    b.holds(message(3));
    expect(b.cancel().map((m) => m.sequence)).toEqual([3]);
    expect(lifts).toEqual([]);
    expect(b.holds(message(4))).toBe(false);
  });
});
