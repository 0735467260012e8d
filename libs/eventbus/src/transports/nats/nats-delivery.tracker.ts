import type { NatsInboundMessage, NatsSettledOutcome } from './nats-inbound-message';

/**
 * Per-consumer bookkeeping of stream sequences, used to recognise the server's redeliveries:
 * - held: delivered here and not settled yet (bounded by the consumer's `max_ack_pending`);
 * - settled: the most recent sequences acknowledged or terminated here, oldest forgotten first beyond
 *   `settledCapacity`. A redelivery of one of them (an ack lost on the way) is settled again, not delivered.
 * Released sequences are forgotten: their redelivery is a new delivery.
 */
export class NatsDeliveryTracker {
  private readonly held = new Map<number, NatsInboundMessage>();
  private readonly settled = new Map<number, NatsSettledOutcome>();
  /**
   * Settled sequences in the order they were first settled, as a ring: the oldest is forgotten first.
   * (Evicting through `settled.keys().next()` instead would walk over the deleted entries at the front of
   * the map on every message.)
   */
  private readonly settledOrder: number[] = [];
  private oldest = 0;

  constructor(private readonly settledCapacity: number) {}

  heldMessage(sequence: number): NatsInboundMessage | undefined {
    return this.held.get(sequence);
  }

  settledOutcome(sequence: number): NatsSettledOutcome | undefined {
    return this.settled.get(sequence);
  }

  hold(message: NatsInboundMessage): void {
    this.held.set(message.sequence, message);
  }

  markSettled(sequence: number, outcome: NatsSettledOutcome): void {
    this.held.delete(sequence);
    if (!this.settled.has(sequence)) {
      if (this.settledOrder.length < this.settledCapacity) {
        this.settledOrder.push(sequence);
      } else {
        this.settled.delete(this.settledOrder[this.oldest]);
        this.settledOrder[this.oldest] = sequence;
        this.oldest = (this.oldest + 1) % this.settledCapacity;
      }
    }
    this.settled.set(sequence, outcome);
  }

  forget(sequence: number): void {
    this.held.delete(sequence);
  }

  /** Messages delivered here and not settled, in delivery order. */
  unsettled(): NatsInboundMessage[] {
    return [...this.held.values()];
  }
}
