import { DeadLetterError } from '../errors/dead-letter.error';
import { describeError } from '../errors/describe-value';
import { DiscardError } from '../errors/discard.error';
import { RetryableError } from '../errors/retryable.error';
import { AckDecision } from './ack-decision';

/**
 * A handler's result (what it returned, or what an exception filter passed on) as a decision: an
 * `AckDecision` as is, anything else means ack. Never throws.
 */
export function decisionForResult(result: unknown): AckDecision {
  try {
    return result instanceof AckDecision ? result : AckDecision.ack();
  } catch {
    // Only a Proxy whose prototype cannot be read gets here: it is no decision.
    return AckDecision.ack();
  }
}

/**
 * A thrown error (by the handler, a pipe, a guard, or an exception filter) as a decision:
 * `AckDecision` as is; `RetryableError` -> retry (with its delay); `DeadLetterError` -> dead-letter;
 * `DiscardError` -> discard; anything else (any Error, a thrown non-Error, a timeout) -> retry with backoff.
 * Never throws, whatever was thrown.
 */
export function decisionForError(error: unknown): AckDecision {
  try {
    if (error instanceof AckDecision) return error;
    if (error instanceof RetryableError)
      return AckDecision.retry({ delayMs: error.delayMs, reason: error.message, error });
    if (error instanceof DeadLetterError) return AckDecision.deadLetter(error.reason, { error });
    if (error instanceof DiscardError) return AckDecision.discard(error.reason);
  } catch {
    // `instanceof` itself threw (a Proxy): fall through to the generic retry.
  }
  return AckDecision.retry({ reason: describeError(error), error });
}
