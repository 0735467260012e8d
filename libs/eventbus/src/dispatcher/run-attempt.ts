import { HandlerTimeoutError } from '../errors/handler-timeout.error';
import type { AckDecision } from '../policy/ack-decision';
import { decisionForError, decisionForResult } from '../policy/decide';
import { AttemptAbort } from './attempt-abort';
import type { MailboxEntry } from './mailbox';

/** How long an attempt may run, and how long a timed-out one is still waited for. */
export interface AttemptLimits {
  readonly handlerTimeoutMs: number;
  readonly timeoutGraceMs: number;
}

/**
 * Where an attempt reports its end (`finished`, exactly once, never synchronously, with its decision), that it
 * timed out, was abandoned after its grace period, and ended after that.
 */
export interface AttemptReports {
  readonly finished: (entry: MailboxEntry, decision: AckDecision) => void;
  readonly timedOut: (entry: MailboxEntry, reason: string) => void;
  readonly abandoned: (entry: MailboxEntry, reason: string) => void;
  /** An abandoned call finally settled (never called for a call that never does). */
  readonly abandonedEnded: () => void;
}

/**
 * Runs one attempt of `entry` and reports `finished` exactly once, never synchronously, with its decision.
 *
 * After `handlerTimeoutMs` the signal is aborted and the attempt counts as failed with `HandlerTimeoutError`,
 * whatever the handler still returns; but `finished` waits until the handler settles, so a retry (or the next
 * event of the aggregate) never overlaps it and its concurrency slot stays taken. Only when the handler is
 * still running `timeoutGraceMs` after the timeout is it abandoned: `finished` is reported and the call is left
 * to finish on its own. `entry.running.stop(reason)` ends the attempt at once as failed with `reason` (shutdown).
 * One object per attempt and no closures besides the result's callbacks: this is the per-message hot path.
 */
export function runAttempt(entry: MailboxEntry, limits: AttemptLimits, reports: AttemptReports): void {
  new Attempt(entry, limits, reports).start();
}

class Attempt {
  private readonly context: AttemptAbort;
  private finished = false;
  private timeout: HandlerTimeoutError | undefined;
  private abandoned = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly entry: MailboxEntry,
    private readonly limits: AttemptLimits,
    private readonly reports: AttemptReports,
  ) {
    this.context = new AttemptAbort(entry.attempt);
  }

  start(): void {
    this.entry.running = this;
    this.timer = setTimeout(timedOut, this.limits.handlerTimeoutMs, this);
    let result: Promise<AckDecision>;
    try {
      result = Promise.resolve(this.entry.job.run(this.context));
    } catch (error) {
      queueMicrotask(() => this.settle(true, error));
      return;
    }
    result.then(
      (decision) => this.settle(false, decision),
      (error: unknown) => this.settle(true, error),
    );
  }

  /** Shutdown: ends the attempt at once as failed with `reason` and aborts its signal. */
  stop(reason: unknown): void {
    this.context.abort(reason);
    this.finish(decisionForError(reason));
  }

  onTimeout(): void {
    const { handlerTimeoutMs, timeoutGraceMs } = this.limits;
    const timeout = (this.timeout = new HandlerTimeoutError(handlerTimeoutMs));
    this.reports.timedOut(this.entry, `no result within ${handlerTimeoutMs} ms; ctx.signal aborted`);
    this.context.abort(timeout);
    this.timer = setTimeout(abandon, timeoutGraceMs, this);
  }

  onGraceOver(): void {
    this.abandoned = true;
    this.reports.abandoned(
      this.entry,
      `still running ${this.limits.timeoutGraceMs} ms after its timeout; no longer waited for (it may still be running)`,
    );
    this.finish(decisionForError(this.timeout));
  }

  /** The handler settled (`failed`: with `outcome` as its error): its own outcome counts only when it came in time. */
  private settle(failed: boolean, outcome: unknown): void {
    if (this.abandoned) return this.reports.abandonedEnded();
    this.finish(
      this.timeout
        ? decisionForError(this.timeout)
        : failed
          ? decisionForError(outcome)
          : decisionForResult(outcome),
    );
  }

  private finish(decision: AckDecision): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.entry.running = undefined;
    this.reports.finished(this.entry, decision);
  }
}

function timedOut(attempt: Attempt): void {
  attempt.onTimeout();
}

function abandon(attempt: Attempt): void {
  attempt.onGraceOver();
}
