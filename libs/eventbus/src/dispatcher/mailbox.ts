import type { DispatchJob } from './dispatch-job';

/** A job waiting in, or running at the head of, its mailbox. */
export interface MailboxEntry {
  readonly job: DispatchJob;
  /** The mailbox it waits in for its whole life. */
  readonly mailbox: Mailbox;
  /** 1-based handler attempts of this delivery in this process. */
  attempt: number;
  /** A settlement (ack, dead-letter, release) has started; no other may start. */
  settled: boolean;
  /** The settlement is complete (or given up at the end of `close()`): the job no longer counts as buffered. */
  done: boolean;
  /** The attempt under way: `running.stop(reason)` ends it at once, as failed with `reason`, and aborts its signal (shutdown). */
  running?: { stop(reason: unknown): void };
}

/**
 * The queue of one ordering key, kept in ascending message sequence, so that a redelivered earlier message
 * is handled before later ones that are still waiting. Only the head ever runs.
 */
export class Mailbox {
  readonly entries: MailboxEntry[] = [];
  /** The head is running (also past its timeout, until it settles or is abandoned), settling or waiting for its retry delay. */
  busy = false;
  /** The mailbox is in the dispatcher's ready queue. */
  queued = false;
  retryTimer: NodeJS.Timeout | undefined;
  /** When the current head became the head (epoch ms): how long this aggregate has been held up by it. */
  headSince = 0;

  constructor(readonly key: string | undefined) {}

  insert(entry: MailboxEntry): void {
    const sequence = entry.job.message.sequence;
    let i = this.entries.length;
    // Never move ahead of the head while it is busy: it already started.
    const floor = this.busy ? 1 : 0;
    while (i > floor && this.entries[i - 1].job.message.sequence > sequence) i--;
    if (i === this.entries.length) this.entries.push(entry);
    else this.entries.splice(i, 0, entry);
    if (i === 0) this.headSince = Date.now();
  }

  get head(): MailboxEntry | undefined {
    return this.entries[0];
  }
}
