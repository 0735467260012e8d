import type { AttemptContext } from './dispatch-job';

/**
 * One attempt's cancellation signal. The `AbortSignal` is created only when a handler reads it (most never
 * do, and an AbortController per message is measurable on the hot path); aborting before that yields an
 * already aborted signal. Only the first `abort` counts.
 */
export class AttemptAbort implements AttemptContext {
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;

  constructor(readonly attempt: number) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
