import type { Consumer, ConsumerMessages, FetchMessages, JsMsg } from '@nats-io/jetstream';
import { settleWithin } from './settle-within';

/** Allowance for the server's expiry notice of a pull request arriving after the request's lifetime. */
const CLOSE_MARGIN_MS = 1_000;

export interface NatsPullRoundsOptions {
  /** Messages to ask for in the next pull request (asked before each one). */
  readonly batch: () => number;
  /** Lifetime of a pull request (at least 1000 ms); the server sends idle heartbeats every half of it. */
  readonly expiresMs: number;
  readonly receive: (msg: JsMsg) => void;
  /** Called for every pull request sent, with the time (epoch ms) by which the server expires it. */
  readonly pulled: (expiresAt: number) => void;
  /** Checked before every pull request: false ends the rounds (the consumer is not ours any more). Default: true. */
  readonly mayPull?: () => boolean;
}

/**
 * Pulls from a durable consumer in rounds with nats.js `fetch()`: one pull request at a time (up to `batch()`
 * messages, expiring after `expiresMs`); the next is sent once the current one ended (filled, or expired as the
 * server reports).
 *
 * - `close()` sends no further request and waits until the current one ended, so every message the server sent
 *   for it is received: none is left on the wire to come back only after `ack_wait`. It waits at most
 *   `expiresMs` plus a margin, then abandons the request.
 * - `ended` resolves once the rounds stopped: with the error of a round that failed (missed heartbeats, consumer
 *   or stream gone, connection closed), or undefined after `close()`.
 */
export class NatsPullRounds {
  readonly ended: Promise<Error | undefined>;
  private closing = false;
  private current: ConsumerMessages | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly o: NatsPullRoundsOptions,
  ) {
    this.ended = this.run().then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
  }

  async close(): Promise<void> {
    this.closing = true;
    await settleWithin(this.ended, this.o.expiresMs + CLOSE_MARGIN_MS);
    const current = this.current;
    if (current)
      await settleWithin(
        Promise.resolve().then(() => current.close()),
        CLOSE_MARGIN_MS,
      );
  }

  private async run(): Promise<void> {
    while (!this.closing && (this.o.mayPull?.() ?? true)) {
      // nats.js hands a fetch's messages to `callback` when one is given (as for consume()): much cheaper per
      // message than its async iterator. `closed()` tells when the round ended, with its error if it failed.
      const round = await this.consumer.fetch({
        max_messages: this.o.batch(),
        expires: this.o.expiresMs,
        callback: this.o.receive,
      } as FetchMessages);
      this.current = round;
      this.o.pulled(Date.now() + this.o.expiresMs);
      const failure = await round.closed();
      this.current = undefined;
      if (failure) throw failure;
    }
  }
}
