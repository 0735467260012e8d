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
    this.settled.delete(sequence);
    this.settled.set(sequence, outcome);
    if (this.settled.size > this.settledCapacity) {
      this.settled.delete(this.settled.keys().next().value!);
    }
  }

  forget(sequence: number): void {
    this.held.delete(sequence);
  }

  /** Messages delivered here and not settled, in delivery order. */
  unsettled(): NatsInboundMessage[] {
    return [...this.held.values()];
  }
}
