import type { ConsumerInfo } from '@nats-io/jetstream';
import type { NatsInboundMessage } from './nats-inbound-message';

/**
 * Keeps per-aggregate order when this instance takes a consumer over after a crash.
 *
 * A consumer that starts with unacknowledged messages (`num_ack_pending > 0`) may have lost their holder (a
 * killed process): the server redelivers those only once their `ack_wait` ran out, but hands out newer messages
 * at once, and those would run first. So from the start, messages newer than the consumer's last delivered
 * stream sequence are held back here (tracked and kept alive, not handed to the core) until every message that
 * was pending at start came back, or until `waitMs` (`ack_wait` plus a margin) passed: by then every abandoned
 * message was due again, and what is still missing belongs to a live instance. Then the held messages go to the
 * core in arrival (sequence) order.
 *
 * After a graceful shutdown the released messages are redelivered first, so the barrier lifts as soon as they
 * arrived. It applies once, when the consumer loop starts, not after reconnects.
 */
export class NatsRecoveryBarrier {
  private readonly pendingAtStart: number;
  private readonly lastDelivered: number;
  private readonly recovered = new Set<number>();
  private readonly held: NatsInboundMessage[] = [];
  private readonly timer: NodeJS.Timeout | undefined;
  private lifted: boolean;

  constructor(
    info: ConsumerInfo,
    waitMs: number,
    private readonly onLift: (held: NatsInboundMessage[], missing: number) => void,
  ) {
    this.pendingAtStart = info.num_ack_pending;
    this.lastDelivered = info.delivered.stream_seq;
    this.lifted = this.pendingAtStart === 0;
    if (!this.lifted) {
      this.timer = setTimeout(() => this.lift(), waitMs);
      this.timer.unref();
    }
  }

  /** Unacknowledged messages the consumer had when it started (0: no barrier). */
  get pending(): number {
    return this.pendingAtStart;
  }

  /** Holds the message back when it is newer than what was pending at start; false: hand it over now. */
  holds(message: NatsInboundMessage): boolean {
    if (this.lifted || message.sequence <= this.lastDelivered) return false;
    this.held.push(message);
    return true;
  }

  /** Records a message handed over; lifts the barrier once everything pending at start came back. */
  handed(message: NatsInboundMessage): void {
    if (this.lifted || message.sequence > this.lastDelivered) return;
    this.recovered.add(message.sequence);
    if (this.recovered.size >= this.pendingAtStart) this.lift();
  }

  /** Ends the barrier without handing anything over; returns the messages it held (intake stopped). */
  cancel(): NatsInboundMessage[] {
    this.lifted = true;
    clearTimeout(this.timer);
    return this.held.splice(0);
  }

  private lift(): void {
    if (this.lifted) return;
    const missing = this.pendingAtStart - this.recovered.size;
    this.onLift(this.cancel(), missing);
  }
}
