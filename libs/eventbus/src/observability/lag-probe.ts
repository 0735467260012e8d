import type { LagSample, Transport } from '../transports/transport.port';

/**
 * Reads the consumer lag in the background, every `intervalMs` (`observability.lagIntervalMs`), so that a scrape
 * never waits on the broker and consumption never waits on a scrape. A failed reading keeps the previous one.
 */
export class LagProbe {
  private samples: readonly LagSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly transport: Transport,
    private readonly intervalMs: number,
  ) {}

  get latest(): readonly LagSample[] {
    return this.samples;
  }

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.samples = [];
  }

  /** Reads once now (also what the timer does); overlapping reads are skipped. */
  async refresh(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      this.samples = await this.transport.lag();
    } catch {
      // Keep the last reading; the broker's own errors show in the transport's logs.
    } finally {
      this.reading = false;
    }
  }
}
