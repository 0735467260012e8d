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

/** Where an attempt reports that it timed out, was abandoned after its grace period, and ended after that. */
export interface AttemptReports {
  readonly timedOut: (entry: MailboxEntry, reason: string) => void;
  readonly abandoned: (entry: MailboxEntry, reason: string) => void;
  /** An abandoned call finally settled (never called for a call that never does). */
  readonly abandonedEnded: () => void;
}

/**
 * Runs one attempt of `entry` and calls `done` exactly once, never synchronously, with its decision.
 *
 * After `handlerTimeoutMs` the signal is aborted and the attempt counts as failed with `HandlerTimeoutError`,
 * whatever the handler still returns; but `done` waits until the handler settles, so a retry (or the next
 * event of the aggregate) never overlaps it and its concurrency slot stays taken. Only when the handler is
 * still running `timeoutGraceMs` after the timeout is it abandoned: `done` is called and the call is left
 * to finish on its own. `entry.stop(reason)` ends the attempt at once as failed with `reason` (shutdown).
 * Callback-based rather than async: this is the per-message hot path.
 */
export function runAttempt(
  entry: MailboxEntry,
  limits: AttemptLimits,
  reports: AttemptReports,
  done: (decision: AckDecision) => void,
): void {
  const { handlerTimeoutMs, timeoutGraceMs } = limits;
  const context = new AttemptAbort(entry.attempt);
  let finished = false;
  let timeout: HandlerTimeoutError | undefined;
  let abandoned = false;
  const finish = (decision: AckDecision) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    entry.stop = undefined;
    done(decision);
  };
  /** The handler's own outcome counts only when it came in time. */
  const settle = (outcome: () => AckDecision) => {
    if (abandoned) return reports.abandonedEnded();
    finish(timeout ? decisionForError(timeout) : outcome());
  };
  entry.stop = (reason) => {
    context.abort(reason);
    finish(decisionForError(reason));
  };
  let timer = setTimeout(() => {
    timeout = new HandlerTimeoutError(handlerTimeoutMs);
    reports.timedOut(entry, `no result within ${handlerTimeoutMs} ms; ctx.signal aborted`);
    context.abort(timeout);
    timer = setTimeout(() => {
      abandoned = true;
      reports.abandoned(
        entry,
        `still running ${timeoutGraceMs} ms after its timeout; no longer waited for (it may still be running)`,
      );
      finish(decisionForError(timeout));
    }, timeoutGraceMs);
  }, handlerTimeoutMs);
  let result: Promise<AckDecision>;
  try {
    result = Promise.resolve(entry.job.run(context));
  } catch (error) {
    queueMicrotask(() => settle(() => decisionForError(error)));
    return;
  }
  result.then(
    (decision) => settle(() => decisionForResult(decision)),
    (error: unknown) => settle(() => decisionForError(error)),
  );
}
