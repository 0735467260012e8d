import { DeadLetterError } from '../errors/dead-letter.error';
import { describeError } from '../errors/describe-value';
import { DiscardError } from '../errors/discard.error';
import { RetryableError } from '../errors/retryable.error';
import { AckDecision } from './ack-decision';

/** A handler's result (what it returned, or what an exception filter passed on) as a decision. */
export function decisionForResult(result: unknown): AckDecision {
  return result instanceof AckDecision ? result : AckDecision.ack();
}

/**
 * A thrown error (by the handler, a pipe, a guard, or an exception filter) as a decision:
 * `AckDecision` as is; `RetryableError` -> retry (with its delay); `DeadLetterError` -> dead-letter;
 * `DiscardError` -> discard; anything else (any Error, a thrown non-Error, a timeout) -> retry with backoff.
 */
export function decisionForError(error: unknown): AckDecision {
  if (error instanceof AckDecision) return error;
  if (error instanceof RetryableError)
    return AckDecision.retry({ delayMs: error.delayMs, reason: error.message });
  if (error instanceof DeadLetterError) return AckDecision.deadLetter(error.reason);
  if (error instanceof DiscardError) return AckDecision.discard(error.reason);
  return AckDecision.retry({ reason: describeError(error) });
}
