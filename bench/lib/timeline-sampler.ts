import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { nowMs } from './clock';

/**
 * Samples a contender run every `intervalMs` (default 25) from its first handling on: handlings in the interval,
 * the event loop's utilisation and the process's CPU time (user + system) in it. Shows whether a run waits (low
 * utilisation) or is bound by CPU, and when. Written as tab-separated lines by `writeTo`.
 */
export class TimelineSampler {
  private readonly rows: string[] = ['ms\thandled\tutilisation\tcpu_ms'];
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private lastHandled = 0;
  private lastLoop: EventLoopUtilization | undefined;
  private lastCpu: NodeJS.CpuUsage | undefined;

  constructor(
    private readonly handled: () => number,
    private readonly intervalMs = 25,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Writes the samples to `<dir>/<name>.tsv`. */
  writeTo(dir: string, name: string): void {
    writeFileSync(join(dir, `${name}.tsv`), `${this.rows.join('\n')}\n`);
  }

  private sample(): void {
    const handled = this.handled();
    if (!this.lastLoop || !this.lastCpu || (handled === 0 && this.lastHandled === 0)) {
      // Not started yet: the first interval begins now.
      this.startedAt = nowMs();
      this.lastLoop = performance.eventLoopUtilization();
      this.lastCpu = process.cpuUsage();
      return;
    }
    const loop = performance.eventLoopUtilization(this.lastLoop);
    const cpu = process.cpuUsage(this.lastCpu);
    this.rows.push(
      [
        Math.round(nowMs() - this.startedAt),
        handled - this.lastHandled,
        loop.utilization.toFixed(2),
        ((cpu.user + cpu.system) / 1_000).toFixed(1),
      ].join('\t'),
    );
    this.lastLoop = performance.eventLoopUtilization();
    this.lastCpu = process.cpuUsage();
    this.lastHandled = handled;
  }
}
