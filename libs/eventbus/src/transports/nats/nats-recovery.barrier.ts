import type { ConsumerInfo } from '@nats-io/jetstream';
import type { NatsInboundMessage } from './nats-inbound-message';

/** What the barrier waits for after an `arm()`. */
interface Awaited {
  /** The consumer's last delivered stream sequence when the loop reopened. */
  readonly lastDelivered: number;
  /** Unacknowledged messages (up to `lastDelivered`) this instance did not hold when the loop reopened. */
  readonly missing: number;
  /** Sequences up to `lastDelivered` that came back since. */
  readonly returned: Set<number>;
  readonly timer: NodeJS.Timeout | undefined;
}

/**
 * Keeps per-aggregate order every time the pull loop (re)opens: at start, and after a dropped connection, a
 * missed-heartbeat reopen or a server restart.
 *
 * The server redelivers a message it sent but never saw acknowledged only once its `ack_wait` ran out (it was
 * lost on the wire, or its holder crashed), while it hands out newer messages at once: those would run first.
 * So while raised, the barrier holds back every message new to this instance (tracked and kept alive, not
 * handed to the core):
 * - `raise()`: from construction, when a reopen is requested and when the connection drops;
 * - `arm(info, unsettled)`: with the consumer info read when the loop reopens. Unacknowledged messages
 *   (`num_ack_pending`) that this instance does not hold unsettled are missing: they come back later, so the
 *   barrier stays up until that many messages up to the last delivered stream sequence came back (new to this
 *   instance, or a redelivery of one settled here whose ack was lost), or until `waitMs` (`ack_wait` plus a
 *   margin) passed: by then every lost message was due again, and what is still missing belongs to a live
 *   instance (or its ack reached the server after the info was read). Nothing missing: it lifts at once.
 * - lifting hands the held messages to the core in stream-sequence (publish) order.
 */
export class NatsRecoveryBarrier {
  private raised = true;
  private readonly held: NatsInboundMessage[] = [];
  private awaited: Awaited | undefined;

  constructor(
    private readonly waitMs: number,
    private readonly onLift: (held: NatsInboundMessage[], missing: number) => void,
  ) {}

  /** Holds back every new message until the next `arm()` lifts the barrier. */
  raise(): void {
    this.raised = true;
    this.disarm();
  }

  /**
   * Starts waiting for the unacknowledged messages this instance does not hold (`unsettled`: the sequences it
   * holds). Returns how many that is; 0 lifts the barrier now.
   */
  arm(info: ConsumerInfo, unsettled: Iterable<number>): number {
    this.raise();
    const lastDelivered = info.delivered.stream_seq;
    let ours = 0;
    for (const sequence of unsettled) if (sequence <= lastDelivered) ours++;
    const missing = Math.max(0, info.num_ack_pending - ours);
    const timer = missing > 0 ? setTimeout(() => this.lift(), this.waitMs) : undefined;
    timer?.unref();
    this.awaited = { lastDelivered, missing, returned: new Set(), timer };
    if (missing === 0) this.lift();
    return missing;
  }

  /** Holds the message back while raised (true), counting it when it is one that was missing. */
  holds(message: NatsInboundMessage): boolean {
    if (!this.raised) return false;
    this.held.push(message);
    this.returned(message.sequence);
    return true;
  }

  /** Records that the server delivered `sequence` again; lifts once everything missing came back. */
  returned(sequence: number): void {
    const awaited = this.awaited;
    if (!this.raised || !awaited || sequence > awaited.lastDelivered) return;
    awaited.returned.add(sequence);
    if (awaited.returned.size >= awaited.missing) this.lift();
  }

  /** Lowers the barrier without handing anything over; returns the messages it held (intake stopped). */
  cancel(): NatsInboundMessage[] {
    this.raised = false;
    this.disarm();
    return this.held.splice(0);
  }

  private disarm(): void {
    clearTimeout(this.awaited?.timer);
    this.awaited = undefined;
  }

  private lift(): void {
    const awaited = this.awaited;
    const missing = awaited ? Math.max(0, awaited.missing - awaited.returned.size) : 0;
    const held = this.cancel().sort((a, b) => a.sequence - b.sequence);
    this.onLift(held, missing);
  }
}
