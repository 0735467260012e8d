/**
 * Settlement replies (acks, terms) gathered over one turn of the event loop and sent together: nats.js writes
 * what is published within one turn to the socket at once, instead of one write per message. `flush()` sends
 * what is gathered at once (before the connection may close).
 */
export class NatsSettlementBatch<T> {
  private pending: T[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly send: (item: T) => void) {}

  add(item: T): void {
    this.pending.push(item);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  flush(): void {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.pending;
    this.pending = [];
    for (const item of batch) this.send(item);
  }
}
