import { HandlerTimeoutError } from '../errors/handler-timeout.error';
import type { RetryOptions } from '../options/event-bus.options';
import { AckDecision } from '../policy/ack-decision';
import { decisionForError } from '../policy/decide';
import { retryDelayMs } from '../policy/retry-schedule';
import type { DispatchJob } from './dispatch-job';
import { emptyCounters, type DispatcherEvent, type DispatcherEventType } from './dispatcher-events';
import { AttemptAbort } from './attempt-abort';
import { FifoQueue } from './fifo-queue';
import { Mailbox, type MailboxEntry } from './mailbox';

export interface DispatcherSettings {
  /** Attempts running at once across all mailboxes. */
  readonly maxConcurrency: number;
  /** Jobs held (running, queued, retrying); `onPressure(true)` at this limit, `false` again at half of it. */
  readonly maxBuffered: number;
  /** An attempt running longer fails with `HandlerTimeoutError` and its signal is aborted. */
  readonly handlerTimeoutMs: number;
  readonly retry: Required<RetryOptions>;
  /** Whether a dead-letter destination exists; without one, raw messages asked to dead-letter are dropped. */
  readonly deadLetterEnabled: boolean;
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
 *   dropped. Hangs are cut by `handlerTimeoutMs`.
 * - Every submitted job reaches exactly one settlement (`ack`, `deadLetter` or `release`) on every path.
 * - Empty mailboxes are removed at once, so memory follows the number of buffered jobs, not of keys seen.
 */
export class Dispatcher {
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly live = new Set<Mailbox>();
  private readonly ready = new FifoQueue<Mailbox>();
  private readonly running = new Set<MailboxEntry>();
  private bufferedCount = 0;
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

  /** Mailboxes holding at least one job (0 when idle). */
  get liveMailboxes(): number {
    return this.live.size;
  }

  /** Takes a delivered message. After `close()` started, the message is released at once. */
  submit(job: DispatchJob): void {
    const entry: MailboxEntry = { job, attempt: Math.max(1, job.message.deliveryCount), settled: false };
    this.bufferedCount++;
    if (this.closing) {
      this.release(entry);
      return;
    }
    const key = job.orderingKey;
    let mailbox = key === undefined ? undefined : this.mailboxes.get(key);
    if (!mailbox) {
      mailbox = new Mailbox(key);
      if (key !== undefined) this.mailboxes.set(key, mailbox);
      this.live.add(mailbox);
    }
    mailbox.insert(entry);
    this.enqueue(mailbox);
    this.updatePressure();
    this.pump();
  }

  /**
   * Stops intake, lets running attempts finish for up to `timeoutMs`, then aborts them; every job not
   * settled by then is released (the broker delivers it again). Resolves when nothing is buffered.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    for (const wake of this.pauses) wake();
    this.pauses.clear();
    for (const mailbox of [...this.live]) {
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
      for (const entry of [...this.running])
        entry.abort?.abort(new ShutdownAbort('dispatcher is shutting down'));
      await this.whenIdle(Math.max(1_000, timeoutMs));
    }
    for (const mailbox of [...this.live]) {
      for (const entry of mailbox.entries) this.release(entry);
    }
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
    while (this.running.size < this.settings.maxConcurrency && this.ready.size > 0) {
      const mailbox = this.ready.shift()!;
      mailbox.queued = false;
      if (mailbox.busy || !mailbox.head) continue;
      mailbox.busy = true;
      this.running.add(mailbox.head);
      this.runHead(mailbox);
    }
  }

  private runHead(mailbox: Mailbox): void {
    const entry = mailbox.head!;
    if (entry.job.message.isRevoked?.()) {
      // Another consumer owns it now and receives it again: drop it unhandled. No pump() here: the pump loop
      // that called us goes on (a rebalance can revoke thousands of buffered heads in a row).
      this.running.delete(entry);
      this.release(entry);
      return this.freeHead(mailbox);
    }
    this.attempt(entry, (decision) => {
      this.pump();
      this.apply(mailbox, entry, decision).catch((error: unknown) => {
        // Unreachable by design; if it happens, hand the message back rather than lose or stall it.
        this.emit('settlement-failed', entry, String(error));
        this.release(entry);
        this.afterSettlement(mailbox);
      });
    });
  }

  /**
   * Runs one attempt and calls `done` exactly once, never synchronously. A timeout or a shutdown abort ends
   * it as a failure. Callback-based rather than async: this is the per-message hot path.
   */
  private attempt(entry: MailboxEntry, done: (decision: AckDecision) => void): void {
    const { handlerTimeoutMs } = this.settings;
    let finished = false;
    const finish = (decision: AckDecision) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      this.running.delete(entry);
      entry.abort = undefined;
      done(decision);
    };
    const attempt = new AttemptAbort(entry.attempt, (reason) => finish(decisionForError(reason)));
    entry.abort = attempt;
    const timer = setTimeout(() => {
      this.emit('timed-out', entry, `no result within ${handlerTimeoutMs} ms`);
      attempt.abort(new HandlerTimeoutError(handlerTimeoutMs));
    }, handlerTimeoutMs);
    let result: Promise<AckDecision>;
    try {
      result = entry.job.run(attempt);
    } catch (error) {
      queueMicrotask(() => finish(decisionForError(error)));
      return;
    }
    result.then(finish, (error: unknown) => finish(decisionForError(error)));
  }

  private async apply(mailbox: Mailbox, entry: MailboxEntry, decision: AckDecision): Promise<void> {
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
        return this.deadLetter(mailbox, entry, decision.reason ?? 'dead-letter requested');
      case 'retry': {
        if (raw) return this.acknowledge(mailbox, entry, 'dropped', decision.reason);
        const reason = decision.reason ?? 'failed';
        if (this.closing) {
          // Shutting down (possibly this attempt was aborted for it): the broker delivers it again later.
          this.release(entry);
          return this.afterSettlement(mailbox);
        }
        if (entry.attempt >= (job.maxAttempts ?? this.settings.retry.maxAttempts)) {
          return this.deadLetter(mailbox, entry, `${reason} (after ${entry.attempt} attempts)`);
        }
        const delayMs = decision.delayMs ?? retryDelayMs(entry.attempt, this.settings.retry);
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

  private async acknowledge(
    mailbox: Mailbox,
    entry: MailboxEntry,
    type: DispatcherEventType,
    reason?: string,
  ): Promise<void> {
    entry.settled = true;
    try {
      await entry.job.message.ack();
    } catch (error) {
      // The broker will deliver it again (at-least-once); the dispatcher's part is done.
      this.emit('settlement-failed', entry, `ack failed: ${String(error)}`);
    }
    this.settled(entry, type, reason);
    this.afterSettlement(mailbox);
  }

  /** Writes to the dead-letter destination, retrying the write with backoff until it is confirmed. */
  private async deadLetter(mailbox: Mailbox, entry: MailboxEntry, reason: string): Promise<void> {
    entry.settled = true;
    for (let failures = 1; ; failures++) {
      try {
        await entry.job.message.deadLetter({ reason, attempts: entry.attempt });
        break;
      } catch (error) {
        this.emit('settlement-failed', entry, `dead-letter write failed: ${String(error)}`);
        if (this.closing) {
          entry.settled = false;
          this.release(entry);
          return this.afterSettlement(mailbox);
        }
        await this.pause(retryDelayMs(failures, this.settings.retry));
        if (this.closing) {
          entry.settled = false;
          this.release(entry);
          return this.afterSettlement(mailbox);
        }
      }
    }
    this.settled(entry, 'dead-lettered', reason);
    this.afterSettlement(mailbox);
  }

  /** Hands an unsettled message back to the broker. No-op for one already settled or being settled. */
  private release(entry: MailboxEntry): void {
    if (entry.settled) return;
    entry.settled = true;
    try {
      entry.job.message.release();
    } catch (error) {
      this.emit('settlement-failed', entry, `release failed: ${String(error)}`);
    }
    this.settled(entry, 'released');
  }

  private settled(entry: MailboxEntry, type: DispatcherEventType, reason?: string): void {
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
    while (mailbox.entries.length > 0 && mailbox.entries[0].settled) mailbox.entries.shift();
    mailbox.busy = false;
    if (mailbox.entries.length === 0) this.remove(mailbox);
    else this.enqueue(mailbox);
  }

  private remove(mailbox: Mailbox): void {
    if (mailbox.key !== undefined) this.mailboxes.delete(mailbox.key);
    this.live.delete(mailbox);
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
    this.hooks.onEvent?.({ type, job: entry.job, attempt: entry.attempt, reason, delayMs });
  }
}
