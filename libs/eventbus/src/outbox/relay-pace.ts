/** The shortest wait between two relay rounds after activity (ms). */
export const ACTIVE_POLL_MS = 10;

/**
 * How long the relay waits between rounds. Activity (a round that published, or a writer's `NOTIFY`) brings the
 * wait down to `ACTIVE_POLL_MS`; every round without activity doubles it, up to `pollIntervalMs`. Writers notify
 * at most once per `NOTIFY_INTERVAL_MS`, so a transaction that committed without a notification of its own is
 * found by these rounds: one that commits `t` ms after the last activity waits about `t` ms more, at most
 * `pollIntervalMs`.
 */
export class RelayPace {
  private waitMs: number;

  constructor(private readonly pollIntervalMs: number) {
    this.waitMs = pollIntervalMs;
  }

  /** Something happened: the next rounds come soon. */
  active(): void {
    this.waitMs = Math.min(ACTIVE_POLL_MS, this.pollIntervalMs);
  }

  /** The wait before the next round; each call doubles the following one, up to `pollIntervalMs`. */
  next(): number {
    const waitMs = this.waitMs;
    this.waitMs = Math.min(this.pollIntervalMs, waitMs * 2);
    return waitMs;
  }
}
