import type { NatsInboundMessage } from './nats-inbound-message';

/**
 * Releases made after intake stopped (shutdown), sent as plain `nak()`s in stream-sequence order once the
 * server has forgotten this instance's pull requests.
 *
 * Why wait: nats-server 2.9 takes a nak'ed message off its redelivery queue when it tries to redeliver it while
 * every waiting pull request belongs to an inbox nobody listens to any more (ours, when the pull loop was
 * closed before a request expired). The message then only comes back after `ack_wait`, behind later
 * messages of its aggregate. Waiting for our last pull request to expire avoids that; sending in sequence order
 * makes the server redeliver them in that order, before any message not delivered yet. Until sent, the messages
 * are kept alive with `working()`.
 */
export class NatsReleaseQueue {
  private readonly pending: NatsInboundMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When the server has expired this instance's last pull request (epoch ms). */
  private notBefore = 0;

  /** Records that a pull request expiring at `time` (epoch ms) was sent. */
  pullRequestExpiresAt(time: number): void {
    this.notBefore = Math.max(this.notBefore, time);
  }

  add(message: NatsInboundMessage): void {
    this.pending.push(message);
    this.timer ??= setTimeout(() => this.send(), Math.max(0, this.notBefore - Date.now()));
    this.timer.unref();
  }

  keepAlive(): void {
    for (const message of this.pending) message.sendWorking();
  }

  /** Waits until the naks may go out, then sends every pending one. */
  async flush(): Promise<void> {
    const wait = this.notBefore - Date.now();
    if (this.pending.length > 0 && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.send();
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0).sort((a, b) => a.sequence - b.sequence);
    for (const message of batch) message.sendNak();
  }
}
