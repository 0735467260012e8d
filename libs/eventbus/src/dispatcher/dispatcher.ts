import { describeError } from '../errors/describe-value';
import { isMessageRevoked } from '../errors/message-revoked.error';
import type { RetryOptions } from '../options/event-bus.options';
import type { AckDecision } from '../policy/ack-decision';
import { requestedRetryDelayMs, retryDelayMs } from '../policy/retry-schedule';
import type { DispatchJob } from './dispatch-job';
import { emptyCounters, type DispatcherEvent, type DispatcherEventType } from './dispatcher-events';
import { FifoQueue } from './fifo-queue';
import { Mailbox, type MailboxEntry } from './mailbox';
import { runAttempt, type AttemptReports } from './run-attempt';
import { SETTLED, type CoreLoad } from '../transports/transport.port';

/**
 * How long `close()` waits, after its timeout, for settlements already under way (acks, dead-letter writes)
 * before it stops counting them as buffered (ms).
 */
export const CLOSE_MARGIN_MS = 1_000;

export interface DispatcherSettings {
  /** Attempts running at once across all mailboxes. */
  readonly maxConcurrency: number;
  /** Jobs held (running, queued, retrying); `onPressure(true)` at this limit, `false` again at half of it. */
  readonly maxBuffered: number;
  /** An attempt running longer fails with `HandlerTimeoutError` and its signal is aborted. */
  readonly handlerTimeoutMs: number;
  /**
   * After its timeout, how long a handler that ignores its aborted signal keeps its mailbox and its slot
   * before it is abandoned (reported as `abandoned`, its result ignored).
   */
  readonly timeoutGraceMs: number;
  readonly retry: Required<RetryOptions>;
  /** Whether a dead-letter destination exists; without one, raw messages asked to dead-letter are dropped. */
  readonly deadLetterEnabled: boolean;
  /** Whether dead letters carry the error's stack (`deadLetter.includeStack`). Default false. */
  readonly deadLetterStack?: boolean;
}

export interface DispatcherHooks {
  /** The buffer became full (`true`: stop intake) or has room again (`false`). */
  readonly onPressure?: (saturated: boolean) => void;
  /** Every per-message outcome, for logs and metrics. Must not throw. */
  readonly onEvent?: (event: DispatcherEvent) => void;
}

class ShutdownAbort extends Error {
  override readonly name = 'ShutdownAbort';
}

/**
 * The ordered-per-aggregate dispatcher, independent of any broker and of Nest.
 *
 * - One mailbox per ordering key: its jobs run one at a time in ascending message sequence; jobs of
 *   different keys run in parallel up to `maxConcurrency`; jobs without a key run as soon as a slot is free.
 * - A failed domain event is retried in process with exponential backoff while only its mailbox waits (the
 *   slot is given back during the delay), and dead-lettered after `retry.maxAttempts`; a failed raw message is
 *   dropped. Attempts are counted per delivery in this process, from 1.
 * - Hangs are cut by `handlerTimeoutMs`, but two attempts of one mailbox never overlap: a timed-out handler
 *   keeps its mailbox and its slot until it settles, or until `timeoutGraceMs` more passed (then abandoned).
 * - A dead-letter write the broker refuses is retried with the retry backoff while only its mailbox waits,
 *   reported each time as `settlement-failed`; `MessageRevokedError` from it means released.
 * - Every submitted job reaches exactly one settlement (`ack`, `deadLetter` or `release`) on every path.
 * - Empty mailboxes are removed at once, so memory follows the number of buffered jobs, not of keys seen.
 */
export class Dispatcher implements CoreLoad {
  /** The live mailboxes: by ordering key, and those of jobs without one. */
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly keyless = new Set<Mailbox>();
  private readonly ready = new FifoQueue<Mailbox>();
  /** Attempts holding a concurrency slot (each one's entry has `running` set until it ends). */
  private runningCount = 0;
  private bufferedCount = 0;
  private abandonedCount = 0;
  private saturated = false;
  private closing = false;
  private idleWaiters: (() => void)[] = [];
  private readonly pauses = new Set<() => void>();
  readonly counters = emptyCounters();

  constructor(
    private readonly settings: DispatcherSettings,
    private readonly hooks: DispatcherHooks = {},
  ) {}

  /** Jobs submitted and not yet settled. */
  get buffered(): number {
    return this.bufferedCount;
  }

  /**
   * Handler calls abandoned after their timeout and grace period that have not settled yet: they run outside
   * `maxConcurrency` (for health checks: a growing number means handlers ignore `ctx.signal`).
   */
  get abandonedRunning(): number {
    return this.abandonedCount;
  }

  /** Mailboxes holding at least one job (0 when idle). */
  get liveMailboxes(): number {
    return this.mailboxes.size + this.keyless.size;
  }

  /** See `CoreLoad.backlogged`: at least `maxConcurrency` mailboxes have a head that waits for a free slot. */
  get backlogged(): boolean {
    return this.ready.size >= this.settings.maxConcurrency;
  }

  /** Attempts holding a concurrency slot now (timed-out ones included until they settle or are abandoned). */
  get runningAttempts(): number {
    return this.runningCount;
  }

  /**
   * Per topic, the mailbox whose head has been its head the longest: the job and for how long (ms). Walks the
   * live mailboxes; meant for scrapes and health checks, not the hot path.
   */
  oldestHeads(now = Date.now()): Map<string, { job: DispatchJob; ageMs: number }> {
    const oldest = new Map<string, { job: DispatchJob; ageMs: number }>();
    for (const mailbox of this.live()) {
      const head = mailbox.head;
      if (!head) continue;
      const ageMs = now - mailbox.headSince;
      const topic = head.job.message.topic;
      const current = oldest.get(topic);
      if (!current || ageMs > current.ageMs) oldest.set(topic, { job: head.job, ageMs });
    }
    return oldest;
  }

  /** Takes a delivered message. After `close()` started, the message is released at once. */
  submit(job: DispatchJob): void {
    const key = job.orderingKey;
    let mailbox = key === undefined ? undefined : this.mailboxes.get(key);
    if (!mailbox) {
      mailbox = new Mailbox(key);
      // A job submitted while closing is released below: its mailbox never becomes live.
      if (!this.closing) {
        if (key !== undefined) this.mailboxes.set(key, mailbox);
        else this.keyless.add(mailbox);
      }
    }
    const entry: MailboxEntry = { job, mailbox, attempt: 1, settled: false, done: false };
    this.bufferedCount++;
    if (this.closing) {
      this.release(entry);
      return;
    }
    mailbox.insert(entry);
    this.enqueue(mailbox);
    this.updatePressure();
    this.pump();
  }

  /**
   * Stops intake, lets running attempts finish for up to `timeoutMs`, then aborts them and releases their
   * jobs (the broker delivers them again); jobs that had not started, or were waiting for a retry or a
   * dead-letter write, are released at once. Settlements already under way get `CLOSE_MARGIN_MS` more; any
   * still unconfirmed then is reported as `settlement-failed` and no longer counted. Resolves, within
   * `timeoutMs + CLOSE_MARGIN_MS`, with nothing buffered and the number of jobs it left unsettled
   * (released, or settlement unconfirmed).
   */
  async close(timeoutMs: number): Promise<number> {
    const releasedBefore = this.counters.released;
    this.closing = true;
    for (const wake of this.pauses) wake();
    this.pauses.clear();
    for (const mailbox of this.live()) {
      if (mailbox.retryTimer) {
        clearTimeout(mailbox.retryTimer);
        mailbox.retryTimer = undefined;
        mailbox.busy = false;
      }
      // Everything that has not started is handed back now; running heads finish first.
      const waiting = mailbox.entries.splice(mailbox.busy ? 1 : 0);
      for (const entry of waiting) this.release(entry);
      if (mailbox.entries.length === 0) this.remove(mailbox);
    }
    if (!(await this.whenIdle(timeoutMs))) {
      for (const mailbox of this.live())
        mailbox.head?.running?.stop(new ShutdownAbort('dispatcher is shutting down'));
      await this.whenIdle(CLOSE_MARGIN_MS);
    }
    let unconfirmed = 0;
    for (const mailbox of this.live()) {
      for (const entry of mailbox.entries.splice(0)) {
        if (!entry.settled) {
          this.release(entry);
        } else if (!entry.done) {
          unconfirmed++;
          this.settled(entry, 'settlement-failed', 'settlement still unconfirmed when close() ended');
        }
      }
      this.remove(mailbox);
    }
    return this.counters.released - releasedBefore + unconfirmed;
  }

  /** Waits `ms`, or less when `close()` starts. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pauses.delete(wake);
        resolve();
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.pauses.add(wake);
    });
  }

  private whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.bufferedCount === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private enqueue(mailbox: Mailbox): void {
    if (mailbox.busy || mailbox.queued || mailbox.entries.length === 0) return;
    mailbox.queued = true;
    this.ready.push(mailbox);
  }

  private pump(): void {
    if (this.closing) return;
    while (this.runningCount < this.settings.maxConcurrency && this.ready.size > 0) {
      const mailbox = this.ready.shift()!;
      mailbox.queued = false;
      if (mailbox.busy || !mailbox.head) continue;
      mailbox.busy = true;
      this.runHead(mailbox);
    }
  }

  private runHead(mailbox: Mailbox): void {
    const entry = mailbox.head!;
    if (entry.job.message.isRevoked?.()) {
      // Another consumer owns it now and receives it again: drop it unhandled. No pump() here: the pump loop
      // that called us goes on (a rebalance can revoke thousands of buffered heads in a row).
      this.release(entry);
      return this.freeHead(mailbox);
    }
    this.runningCount++;
    runAttempt(entry, this.settings, this.attemptReports);
  }

  /**
   * Where every attempt reports its end, timeout and abandonment (one object, not closures per attempt). The slot
   * stays taken until `finished`, also past a timeout (see `runAttempt`).
   */
  private readonly attemptReports: AttemptReports = {
    finished: (entry, decision) => {
      this.runningCount--;
      this.pump();
      const { mailbox } = entry;
      try {
        this.apply(mailbox, entry, decision)?.catch((error: unknown) =>
          this.applyFailed(mailbox, entry, error),
        );
      } catch (error) {
        this.applyFailed(mailbox, entry, error);
      }
    },
    timedOut: (entry, reason) => this.emit('timed-out', entry, reason),
    abandoned: (entry, reason) => {
      this.abandonedCount++;
      this.emit('abandoned', entry, reason);
    },
    abandonedEnded: () => this.abandonedCount--,
  };

  /** Unreachable by design; if it happens, hand the message back rather than lose or stall it. */
  private applyFailed(mailbox: Mailbox, entry: MailboxEntry, error: unknown): void {
    this.emit('settlement-failed', entry, `settlement failed: ${describeError(error)}`);
    this.release(entry);
    this.afterSettlement(mailbox);
  }

  /** Settles the entry as `decision` asks; a promise only while the settlement waits for the broker. */
  private apply(mailbox: Mailbox, entry: MailboxEntry, decision: AckDecision): Promise<void> | void {
    if (entry.settled) return this.afterSettlement(mailbox);
    const { job } = entry;
    const raw = job.semantics === 'raw';
    switch (decision.kind) {
      case 'ack':
        return this.acknowledge(mailbox, entry, 'handled');
      case 'discard':
        return this.acknowledge(mailbox, entry, 'discarded', decision.reason);
      case 'dead-letter':
        if (raw && !this.settings.deadLetterEnabled)
          return this.acknowledge(mailbox, entry, 'dropped', decision.reason);
        return this.deadLetter(mailbox, entry, decision.reason ?? 'dead-letter requested', decision.error);
      case 'retry': {
        if (raw) return this.acknowledge(mailbox, entry, 'dropped', decision.reason);
        const reason = decision.reason ?? 'failed';
        if (this.closing) {
          // Shutting down (possibly this attempt was aborted for it): the broker delivers it again later.
          this.release(entry);
          return this.afterSettlement(mailbox);
        }
        if (entry.attempt >= (job.maxAttempts ?? this.settings.retry.maxAttempts)) {
          return this.deadLetter(
            mailbox,
            entry,
            `${reason} (after ${entry.attempt} attempts)`,
            decision.error,
          );
        }
        const delayMs = requestedRetryDelayMs(decision.delayMs, entry.attempt, this.settings.retry);
        this.emit('retry-scheduled', entry, reason, delayMs);
        entry.attempt++;
        mailbox.retryTimer = setTimeout(() => {
          mailbox.retryTimer = undefined;
          mailbox.busy = false;
          this.enqueue(mailbox);
          this.pump();
        }, delayMs);
        return;
      }
    }
  }

  /** Acknowledges; waits for the broker only when `ack()` did not settle at once (`SETTLED`). */
  private acknowledge(
    mailbox: Mailbox,
    entry: MailboxEntry,
    type: DispatcherEventType,
    reason?: string,
  ): Promise<void> | void {
    entry.settled = true;
    let acked: Promise<void>;
    try {
      acked = entry.job.message.ack();
    } catch (error) {
      acked = Promise.reject(error);
    }
    if (acked === SETTLED) return this.acknowledged(mailbox, entry, type, reason);
    return acked.then(
      () => this.acknowledged(mailbox, entry, type, reason),
      (error: unknown) => {
        // The broker will deliver it again (at-least-once); the dispatcher's part is done.
        this.emit('settlement-failed', entry, `ack failed: ${describeError(error)}`);
        this.acknowledged(mailbox, entry, type, reason);
      },
    );
  }

  private acknowledged(
    mailbox: Mailbox,
    entry: MailboxEntry,
    type: DispatcherEventType,
    reason?: string,
  ): void {
    this.settled(entry, type, reason);
    this.afterSettlement(mailbox);
  }

  /**
   * Writes to the dead-letter destination. A refused write is reported (`settlement-failed`, with the delay)
   * and tried again after the retry backoff (capped by `retry.maxDelayMs`) for as long as it takes, while only
   * this mailbox waits: no slot is held meanwhile. The message is released instead when the dispatcher closes,
   * or when it belongs to another consumer now (`MessageRevokedError`, or `isRevoked()`).
   */
  private async deadLetter(
    mailbox: Mailbox,
    entry: MailboxEntry,
    reason: string,
    error: unknown,
  ): Promise<void> {
    entry.settled = true;
    const message = entry.job.message;
    const info = { reason, attempts: entry.attempt, ...errorDetails(error, this.settings.deadLetterStack) };
    for (let failures = 1; ; failures++) {
      try {
        await message.deadLetter(info);
        break;
      } catch (error) {
        if (isMessageRevoked(error)) return this.handBack(mailbox, entry);
        const delayMs = retryDelayMs(failures, this.settings.retry);
        const next = this.closing
          ? 'released (shutting down)'
          : `next try in ${delayMs} ms, its aggregate waits`;
        this.emit(
          'settlement-failed',
          entry,
          `dead-letter write failed (${failures}x; ${next}): ${describeError(error)}`,
          delayMs,
        );
        if (!this.closing) await this.pause(delayMs);
        if (this.closing || message.isRevoked?.()) return this.handBack(mailbox, entry);
      }
    }
    this.settled(entry, 'dead-lettered', reason);
    this.afterSettlement(mailbox);
  }

  /** Releases a message whose settlement had started but did not happen, and moves its mailbox on. */
  private handBack(mailbox: Mailbox, entry: MailboxEntry): void {
    entry.settled = false;
    this.release(entry);
    this.afterSettlement(mailbox);
  }

  /** Hands an unsettled message back to the broker. No-op for one already settled or being settled. */
  private release(entry: MailboxEntry): void {
    if (entry.settled) return;
    entry.settled = true;
    try {
      entry.job.message.release();
    } catch (error) {
      this.emit('settlement-failed', entry, `release failed: ${describeError(error)}`);
    }
    this.settled(entry, 'released');
  }

  /** Counts a job as settled, once: a settlement that completes after `close()` gave up on it is not counted again. */
  private settled(entry: MailboxEntry, type: DispatcherEventType, reason?: string): void {
    if (entry.done) return;
    entry.done = true;
    this.bufferedCount--;
    this.emit(type, entry, reason);
    this.updatePressure();
    if (this.bufferedCount === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Drops settled entries from the mailbox, frees it, removes it when empty, schedules the next. */
  private afterSettlement(mailbox: Mailbox): void {
    this.freeHead(mailbox);
    this.pump();
  }

  private freeHead(mailbox: Mailbox): void {
    let shifted = false;
    while (mailbox.entries.length > 0 && mailbox.entries[0].settled) {
      mailbox.entries.shift();
      shifted = true;
    }
    if (shifted) mailbox.headSince = Date.now();
    mailbox.busy = false;
    if (mailbox.entries.length === 0) this.remove(mailbox);
    else this.enqueue(mailbox);
  }

  private remove(mailbox: Mailbox): void {
    if (mailbox.key !== undefined) this.mailboxes.delete(mailbox.key);
    else this.keyless.delete(mailbox);
  }

  /** A snapshot of the live mailboxes (safe to change them while iterating). */
  private live(): Mailbox[] {
    return [...this.mailboxes.values(), ...this.keyless];
  }

  private updatePressure(): void {
    const { maxBuffered } = this.settings;
    if (!this.saturated && this.bufferedCount >= maxBuffered) {
      this.saturated = true;
      this.hooks.onPressure?.(true);
    } else if (this.saturated && this.bufferedCount <= Math.floor(maxBuffered / 2)) {
      this.saturated = false;
      this.hooks.onPressure?.(false);
    }
  }

  private emit(type: DispatcherEventType, entry: MailboxEntry, reason?: string, delayMs?: number): void {
    this.counters[type]++;
    try {
      this.hooks.onEvent?.({ type, job: entry.job, attempt: entry.attempt, reason, delayMs });
    } catch {
      // A reporting hook must not break settlement.
    }
  }
}

/** Class name (and, when asked for, stack) of the error behind a dead letter; never throws. */
function errorDetails(error: unknown, withStack = false): { errorClass?: string; stack?: string } {
  try {
    if (!(error instanceof Error)) return {};
    const errorClass = error.name || error.constructor.name;
    return withStack && typeof error.stack === 'string' ? { errorClass, stack: error.stack } : { errorClass };
  } catch {
    return {};
  }
}
