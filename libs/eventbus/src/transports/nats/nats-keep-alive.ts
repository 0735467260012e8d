/**
 * Periodic `working()` for every delivered-but-unsettled message (running, waiting behind its aggregate in the
 * core's buffer, retrying in process, parked while intake is paused or held back by the recovery barrier, or
 * released but not sent yet), so none reaches the consumer's `ack_wait` and gets redelivered while it is still
 * held. Runs every `ackWaitMs / 3` (at least 250 ms), which leaves two chances per `ack_wait` window. The timer
 * does not keep the process alive.
 */
export class NatsKeepAlive {
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;

  constructor(
    ackWaitMs: number,
    private readonly refresh: () => void,
  ) {
    this.intervalMs = Math.max(250, Math.floor(ackWaitMs / 3));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(this.refresh, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
