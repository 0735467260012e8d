import type { AttemptAbort } from './attempt-abort';
import type { DispatchJob } from './dispatch-job';

/** A job waiting in, or running at the head of, its mailbox. */
export interface MailboxEntry {
  readonly job: DispatchJob;
  attempt: number;
  settled: boolean;
  /** The running attempt's cancellation. */
  abort?: AttemptAbort;
}

/**
 * The queue of one ordering key, kept in ascending message sequence, so that a redelivered earlier message
 * is handled before later ones that are still waiting. Only the head ever runs.
 */
export class Mailbox {
  readonly entries: MailboxEntry[] = [];
  /** The head is running, settling or waiting for its retry delay. */
  busy = false;
  /** The mailbox is in the dispatcher's ready queue. */
  queued = false;
  retryTimer: NodeJS.Timeout | undefined;

  constructor(readonly key: string | undefined) {}

  insert(entry: MailboxEntry): void {
    const sequence = entry.job.message.sequence;
    let i = this.entries.length;
    // Never move ahead of the head while it is busy: it already started.
    const floor = this.busy ? 1 : 0;
    while (i > floor && this.entries[i - 1].job.message.sequence > sequence) i--;
    this.entries.splice(i, 0, entry);
  }

  get head(): MailboxEntry | undefined {
    return this.entries[0];
  }
}
