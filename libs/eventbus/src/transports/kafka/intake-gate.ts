/**
 * Open while the core accepts messages, closed while its buffer is full. `wait(ms)` resolves as soon as
 * the gate opens (or `wake()` is called), or after `ms` at the latest, so the caller can heartbeat and
 * check again.
 */
export class IntakeGate {
  private opened = true;
  private readonly waiters = new Set<() => void>();

  get isOpen(): boolean {
    return this.opened;
  }

  close(): void {
    this.opened = false;
  }

  open(): void {
    this.opened = true;
    this.wake();
  }

  /** Ends every current wait without opening the gate (stop, shutdown). */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  wait(ms: number): Promise<void> {
    if (this.opened) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      const timer = setTimeout(waiter, ms);
      this.waiters.add(waiter);
    });
  }
}
