const MB = 1024 * 1024;

/** Samples the process's resident set size every `intervalMs` (default 50) and keeps the peak. */
export class RssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 50) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  /** Current RSS in MB (also counted toward the peak). */
  sample(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
    return rss / MB;
  }

  get peakMb(): number {
    return this.peak / MB;
  }
}
