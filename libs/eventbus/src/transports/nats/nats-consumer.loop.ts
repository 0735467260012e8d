import type { ConsumerInfo, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { LoggerService } from '@nestjs/common';
import type { DeadLetterInfo, DeliverFn } from '../transport.port';
import type { NatsConsumerProvisioner, NatsConsumerSpec } from './nats-consumer.provisioner';
import type { NatsDeadLetterPublisher } from './nats-dead-letter.publisher';
import { NatsDeliveryTracker } from './nats-delivery.tracker';
import { readDeliveryInfo } from './nats-delivery-info';
import { NatsInboundMessage, type NatsSettledOutcome, type NatsSettlement } from './nats-inbound-message';
import { NatsPullRounds } from './nats-pull-rounds';
import { NatsRecoveryBarrier } from './nats-recovery.barrier';
import { NatsReleaseQueue } from './nats-release.queue';
import { NatsSettlementBatch } from './nats-settlement.batch';
import { settleWithin } from './settle-within';
import { doublingDelayMs } from '../../policy/retry-schedule';

/**
 * Lifetime of a pull request; the server sends idle heartbeats every half of it (two missed ones reopen the
 * loop). Short, because pausing and stopping wait until the current pull request ended (see NatsPullRounds).
 */
const PULL_EXPIRES_MS = 2_000;
/** Allowance for the pull request reaching the server later than it was sent. */
const PULL_EXPIRY_MARGIN_MS = 500;
/** Added to `ack_wait` for how long the recovery barrier waits for unacknowledged messages this instance lacks. */
const RECOVERY_MARGIN_MS = 3_000;
/** How long a reopen waits for the server to confirm it received the acks sent so far. */
const FLUSH_TIMEOUT_MS = 2_000;
/** Backoff between attempts to reopen a loop that failed (server down, consumer missing). */
const REOPEN_MIN_DELAY_MS = 250;
const REOPEN_MAX_DELAY_MS = 5_000;

type LoopState = 'running' | 'paused' | 'stopped';

export interface NatsConsumerLoopOptions {
  readonly js: JetStreamClient;
  readonly consumers: NatsConsumerProvisioner;
  readonly spec: NatsConsumerSpec;
  readonly topic: string;
  readonly deliver: DeliverFn;
  /** Undefined when dead-lettering is off: `deadLetter()` then only terminates the message. */
  readonly deadLetters: NatsDeadLetterPublisher | undefined;
  readonly paused: boolean;
  readonly ackWaitMs: number;
  /** Messages to ask for in the next pull request (`pullBatch`: this loop's share of the connection's). */
  readonly pullBatch: () => number;
  readonly connectionClosed: () => boolean;
  /** Resolves once the server received everything sent on the connection so far. */
  readonly flush: () => Promise<void>;
  readonly logger: LoggerService;
  /**
   * True once this instance lost the right to consume (a partition lease ran out): messages are then neither
   * handed to the core, kept alive, acknowledged nor released here. Absent: never.
   */
  readonly revoked?: () => boolean;
}

/**
 * One durable pull consumer fed into the core by `NatsPullRounds` (one pull request at a time).
 *
 * - Every time the pull loop (re)opens (start, reconnect, missed heartbeats, a loop that stopped on its own), a
 *   `NatsRecoveryBarrier` holds newer messages back until the unacknowledged ones this instance does not hold
 *   (abandoned by a crashed instance, or lost on a dropped connection) came back, so they run first.
 * - Every received message is tracked until settled; a redelivery of a held sequence refreshes the held message
 *   instead of reaching the core twice, a redelivery of a sequence settled here is settled again.
 * - `pause()` stops pulling: no pull request is sent any more and the current one is waited for (messages
 *   already on the wire are received), so the server sends nothing more. Messages received while paused are
 *   parked here, kept alive, and handed to the core in arrival order on `resume()`, which pulls again.
 *   Unsettled messages per consumer never exceed `max_ack_pending`.
 * - The pull loop is opened again (consumer re-provisioned when allowed) when a pull request fails (missed
 *   heartbeats, consumer or stream gone), and closed and opened again after a reconnect.
 * - `stop()` ends intake at once: no delivery after it resolves; parked messages and whatever still arrives for
 *   the last pull request are released. Held messages can still be settled; releases from then on are queued
 *   and sent in sequence order once the last pull request ended and the server forgot it
 *   (`releaseUnsettled()`, at most about 3 s).
 * - A release while still pulling is a plain `nak()`: the server redelivers it at once (to this instance or
 *   another). No delay: on nats-server 2.9 a delayed redelivery that falls after intake stopped is dropped from
 *   the redelivery queue until `ack_wait` (see NatsReleaseQueue). The core releases only when it gives a message
 *   back (shutdown), never to retry, so no tight redelivery loop arises.
 * - Once `revoked()` (a partition lease was lost, see `NatsPartitionOwnership`), the loop sends no pull request,
 *   ignores what still arrives, and its messages are neither kept alive, acknowledged nor released: the server
 *   hands them to the partition's next owner after `ack_wait`.
 */
export class NatsConsumerLoop implements NatsSettlement {
  private state: LoopState;
  private rounds: NatsPullRounds | undefined;
  /** Resolves once every pull loop closed so far saw its last pull request end. */
  private roundsClosed: Promise<void> = Promise.resolve();
  private restartRequested = false;
  private work: Promise<void> = Promise.resolve();
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly tracker: NatsDeliveryTracker;
  private readonly parked: NatsInboundMessage[] = [];
  private readonly releases = new NatsReleaseQueue();
  /** Settlement replies not sent yet; none is sent once the loop is revoked. */
  private readonly replies = new NatsSettlementBatch<NatsInboundMessage>((message) => {
    if (!this.revoked()) message.sendSettlement();
  });
  private readonly barrier: NatsRecoveryBarrier;
  /** The consumer as last checked; checked again (re-provisioned when allowed) after any trouble. */
  private info: ConsumerInfo | undefined;
  /** The consumer info the recovery barrier was last armed with: a newer one arms it again. */
  private armedWith: ConsumerInfo | undefined;

  constructor(private readonly o: NatsConsumerLoopOptions) {
    this.state = o.paused ? 'paused' : 'running';
    this.tracker = new NatsDeliveryTracker(Math.max(1024, 2 * o.spec.maxAckPending));
    this.barrier = new NatsRecoveryBarrier(o.ackWaitMs + RECOVERY_MARGIN_MS, (held, missing) =>
      this.recovered(held, missing),
    );
  }

  /** Pulling, or paused for backpressure; false once stopped or while reopening after trouble. */
  get healthy(): boolean {
    return this.state !== 'stopped' && this.retry === undefined;
  }

  /** The durable consumer's name. */
  get consumerName(): string {
    return this.o.spec.name;
  }

  get topic(): string {
    return this.o.topic;
  }

  /** The subject the consumer filters: the topic, or `<topic>.<p>` for a partition. */
  get subject(): string {
    return this.o.spec.subject;
  }

  /** Creates or checks the consumer (errors reach the caller); pulls nothing yet. */
  async provision(): Promise<void> {
    const info = await this.o.consumers.ensure(this.o.spec);
    if (this.state === 'stopped') return;
    this.info = info;
  }

  /** Starts pulling unless paused (after `provision()`). */
  start(): Promise<void> {
    return this.reconcile();
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.state = 'paused';
    void this.reconcile();
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    while (this.state === 'running' && this.parked.length > 0) this.hand(this.parked.shift()!);
    void this.reconcile();
  }

  /** Closes the pull loop and opens a new one (no-op once stopped). */
  restart(reason: string): void {
    if (this.state === 'stopped') return;
    this.o.logger.log?.(`JetStream consumer ${this.o.spec.name}: reopening (${reason})`, 'NatsTransport');
    this.restartRequested = true;
    this.info = undefined;
    this.barrier.raise();
    void this.reconcile();
  }

  /** The connection dropped: what arrives from now on waits for the reopen's recovery barrier. */
  connectionLost(): void {
    if (this.state !== 'stopped') this.barrier.raise();
  }

  stop(): Promise<void> {
    this.replies.flush();
    this.state = 'stopped';
    clearTimeout(this.retry);
    this.retry = undefined;
    if (this.rounds) void this.closeRounds();
    const waiting = [...this.barrier.cancel(), ...this.parked.splice(0)];
    for (const message of waiting) message.release();
    return Promise.resolve();
  }

  /** True once this loop lost the right to consume (see `NatsConsumerLoopOptions.revoked`). */
  revoked(): boolean {
    return this.o.revoked?.() ?? false;
  }

  /** Messages received and not settled yet. */
  unsettledCount(): number {
    return this.tracker.unsettled().length;
  }

  /** `working()` on every held message and every release not sent yet. */
  keepAlive(): void {
    if (this.revoked()) return;
    for (const message of this.tracker.unsettled()) message.keepAlive();
    this.releases.keepAlive();
  }

  /**
   * Waits until the last pull request ended (what still arrived for it is released), then releases every held
   * message and sends all releases (shutdown, after `stop()`).
   */
  async releaseUnsettled(): Promise<void> {
    await this.work;
    await this.roundsClosed;
    for (const message of this.tracker.unsettled()) message.release();
    this.replies.flush();
    await this.releases.flush();
  }

  /** Counts the message settled and sends its ack or term with the others of this event-loop turn. */
  settled(message: NatsInboundMessage, outcome: NatsSettledOutcome): void {
    this.tracker.markSettled(message.sequence, outcome);
    this.replies.add(message);
  }

  released(message: NatsInboundMessage): void {
    this.tracker.forget(message.sequence);
    const parkedAt = this.parked.indexOf(message);
    if (parkedAt >= 0) this.parked.splice(parkedAt, 1);
    if (this.revoked()) return;
    if (this.state === 'stopped') this.releases.add(message);
    else message.sendNak();
  }

  async writeDeadLetter(message: NatsInboundMessage, info: DeadLetterInfo): Promise<void> {
    if (this.o.deadLetters) return this.o.deadLetters.publish(message, info);
    this.warn(
      `dead-lettering is off: ${message.subject} #${message.sequence} is terminated without a copy (${info.reason})`,
    );
  }

  warn(text: string): void {
    this.o.logger.warn(`JetStream consumer ${this.o.spec.name}: ${text}`, 'NatsTransport');
  }

  /** Queues one convergence of the pull loop to the wanted state; convergences never overlap. */
  private reconcile(): Promise<void> {
    this.work = this.work
      .then(() => this.converge())
      .catch((err: unknown) => this.warn(`pull loop change failed (${(err as Error).message})`));
    return this.work;
  }

  private async converge(): Promise<void> {
    if (this.rounds && (this.restartRequested || this.state !== 'running')) await this.closeRounds();
    this.restartRequested = false;
    if (this.state !== 'running' || this.rounds || this.retry || this.revoked()) return;
    try {
      if (!this.info) {
        // Acks sent before the consumer is read must not count as missing for the recovery barrier.
        await settleWithin(this.o.flush(), FLUSH_TIMEOUT_MS);
        this.info = await this.o.consumers.ensure(this.o.spec);
      }
      if (this.state !== 'running') return;
      if (this.armedWith !== this.info) this.arm(this.info);
      const rounds = new NatsPullRounds(this.o.js.consumers.getConsumerFromInfo(this.info), {
        batch: this.o.pullBatch,
        expiresMs: PULL_EXPIRES_MS,
        receive: (msg) => this.receive(msg),
        pulled: (expiresAt) => this.releases.pullRequestExpiresAt(expiresAt + PULL_EXPIRY_MARGIN_MS),
        mayPull: () => !this.revoked(),
      });
      this.rounds = rounds;
      void rounds.ended.then((err) => this.closedOnItsOwn(rounds, err));
      this.failures = 0;
    } catch (err) {
      this.info = undefined;
      if (this.o.connectionClosed()) return;
      this.reopenLater(`cannot pull (${(err as Error).message})`);
    }
  }

  /** Opens the pull loop again after a backoff that grows with consecutive failures. */
  private reopenLater(reason: string): void {
    const delay = doublingDelayMs(this.failures++, REOPEN_MIN_DELAY_MS, REOPEN_MAX_DELAY_MS);
    this.warn(`${reason}; reopening in ${delay} ms`);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.reconcile();
    }, delay);
  }

  private closedOnItsOwn(rounds: NatsPullRounds, err: Error | undefined): void {
    if (this.rounds !== rounds) return;
    this.rounds = undefined;
    this.info = undefined;
    this.barrier.raise();
    if (this.o.connectionClosed() || this.state === 'stopped' || this.revoked()) return;
    this.reopenLater(`pull loop stopped (${err?.message ?? 'closed'})`);
  }

  /** Closes the pull loop once the current pull request ended (see NatsPullRounds). */
  private closeRounds(): Promise<void> {
    const rounds = this.rounds!;
    this.rounds = undefined;
    const closed = rounds.close();
    this.roundsClosed = Promise.all([this.roundsClosed, closed]).then(() => undefined);
    return closed;
  }

  private receive(msg: JsMsg): void {
    if (this.revoked()) return;
    try {
      const delivery = readDeliveryInfo(msg);
      const sequence = delivery.streamSequence;
      const held = this.tracker.heldMessage(sequence);
      if (held) return held.refresh(msg);
      const outcome = this.tracker.settledOutcome(sequence);
      if (outcome) {
        if (outcome === 'ack') msg.ack();
        else msg.term();
        return this.barrier.returned(sequence);
      }
      const message = new NatsInboundMessage(msg, this.o.topic, this, delivery);
      if (this.state === 'stopped') return message.release();
      this.tracker.hold(message);
      if (!this.barrier.holds(message)) this.admit(message);
    } catch (err) {
      this.warn(`could not take ${msg.subject} #${msg.seq} (${(err as Error).message})`);
    }
  }

  /** Hands the message to the core, or parks it behind earlier ones while paused. */
  private admit(message: NatsInboundMessage): void {
    if (this.state === 'paused' || this.parked.length > 0) this.parked.push(message);
    else this.hand(message);
  }

  /** Arms the recovery barrier with the consumer info read for this (re)open. */
  private arm(info: ConsumerInfo): void {
    this.armedWith = info;
    const unsettled = this.tracker.unsettled().map((message) => message.sequence);
    const missing = this.barrier.arm(info, unsettled);
    if (missing > 0) {
      this.o.logger.log?.(
        `JetStream consumer ${this.o.spec.name}: ${missing} unacknowledged message(s) not held here; ` +
          `newer ones wait until they come back (at most ack_wait)`,
        'NatsTransport',
      );
    }
  }

  private recovered(held: NatsInboundMessage[], missing: number): void {
    if (missing > 0) {
      this.warn(
        `${missing} unacknowledged message(s) did not come back within ack_wait (held by a live instance?); ` +
          `continuing`,
      );
    }
    for (const message of held) {
      if (this.state === 'stopped') message.release();
      else this.admit(message);
    }
  }

  private hand(message: NatsInboundMessage): void {
    try {
      this.o.deliver(message);
    } catch (err) {
      this.warn(
        `delivery of ${message.subject} #${message.sequence} threw (${(err as Error).message}); released`,
      );
      message.release();
    }
  }
}
