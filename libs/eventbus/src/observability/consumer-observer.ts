import type { AttemptContext } from '../dispatcher/dispatch-job';
import type { DispatcherEvent, DispatcherEventType } from '../dispatcher/dispatcher-events';
import type { AckDecision } from '../policy/ack-decision';
import type { DeliverySemantics } from '../transports/transport.port';
import type { MessageOutcome } from './event-bus.metrics';
import type { ProcessSpanInfo } from './event-bus.tracing';
import type { Observability } from './observability';

/** The `outcome` label of each dispatcher event that ends or retries a message. */
const OUTCOME_OF_EVENT: Partial<Record<DispatcherEventType, MessageOutcome>> = {
  handled: 'handled',
  'retry-scheduled': 'retried',
  'dead-lettered': 'dead_lettered',
  dropped: 'dropped',
  discarded: 'discarded',
  released: 'released',
  'timed-out': 'timed_out',
};

/** One handling attempt as the observer sees it: what its span describes, and the handlers to run. */
export interface ObservedJob extends ProcessSpanInfo {
  readonly semantics: DeliverySemantics;
  /** Runs the handlers once; never rejects. */
  handle(attempt: AttemptContext): Promise<AckDecision>;
}

/**
 * The consuming side of the integrations: every handling attempt runs in a `process <topic>` span and is timed
 * (`eventbus_handler_duration_seconds`, until the handlers really returned, also past a timeout); every
 * dispatcher outcome is counted (`eventbus_messages_total`), and a handled message's publish-to-handled time
 * observed (`eventbus_end_to_end_seconds`).
 */
export class ConsumerObserver {
  constructor(private readonly observability: Observability) {}

  /** Runs one attempt of `job` observed. Without metrics and tracing it is `job.handle(attempt)` itself. */
  attempt(job: ObservedJob, attempt: AttemptContext): Promise<AckDecision> {
    const { metrics, tracing } = this.observability;
    if (!metrics && !tracing) return job.handle(attempt);
    const started = metrics ? performance.now() : 0;
    const span = tracing?.startProcess(job, attempt.attempt);
    const handled = span ? span.run(() => job.handle(attempt)) : job.handle(attempt);
    return handled.then((decision) => {
      const outcome = attemptOutcome(decision, job.semantics);
      metrics?.handlerDuration(job.topic, outcome, (performance.now() - started) / 1_000);
      span?.end(
        outcome,
        decision.kind === 'ack' || decision.kind === 'discard' ? undefined : decision.reason,
      );
      return decision;
    });
  }

  event(event: DispatcherEvent): void {
    const metrics = this.observability.metrics;
    if (!metrics) return;
    const outcome = OUTCOME_OF_EVENT[event.type];
    if (!outcome) return;
    const { message, semantics } = event.job;
    metrics.message(message.topic, semantics, outcome);
    if (outcome === 'handled') metrics.endToEnd(message.topic, (Date.now() - message.publishedAt) / 1_000);
  }
}

/** How one attempt ended, as a label: what its decision asks for. */
function attemptOutcome(decision: AckDecision, semantics: DeliverySemantics): MessageOutcome {
  switch (decision.kind) {
    case 'ack':
      return 'handled';
    case 'discard':
      return 'discarded';
    case 'dead-letter':
      return 'dead_lettered';
    case 'retry':
      return semantics === 'raw' ? 'dropped' : 'retried';
  }
}
