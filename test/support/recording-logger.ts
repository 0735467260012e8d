import type { LoggerService } from '@nestjs/common';

/** Keeps what an adapter logs; `EVENTBUS_TEST_LOG=1` also prints warnings and errors. */
export class RecordingLogger implements LoggerService {
  readonly entries: { level: string; message: string }[] = [];

  log(message: unknown): void {
    this.record('log', message);
  }
  error(message: unknown): void {
    this.record('error', message);
  }
  warn(message: unknown): void {
    this.record('warn', message);
  }
  debug(message: unknown): void {
    this.record('debug', message);
  }

  /** Warning and error messages, in order. */
  get warnings(): string[] {
    return this.entries.filter((e) => e.level === 'warn' || e.level === 'error').map((e) => e.message);
  }

  private record(level: string, message: unknown): void {
    this.entries.push({ level, message: String(message) });
    if (process.env.EVENTBUS_TEST_LOG && (level === 'error' || level === 'warn')) {
      console.log(`[${level}] ${String(message)}`);
    }
  }
}
