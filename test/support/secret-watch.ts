import { format } from 'node:util';
import { vi, type MockInstance } from 'vitest';
import { EventBusServer } from '@app/eventbus';
import { RecordingLogger } from './recording-logger';

/**
 * Captures everything a run could leak a secret through: every Nest log line (pass `logger` to the app: the
 * library's loggers and the kafkajs log creator write to it), everything written to the console, stdout and
 * stderr, and every error or event payload the test hands to `record()`. `leaks(secrets)` lists the secrets
 * found anywhere in it.
 */
export class SecretWatch {
  readonly logger = new RecordingLogger();
  private readonly recorded: string[] = [];
  private readonly spies: MockInstance[] = [];

  /** Starts capturing console, stdout and stderr output (still printed). */
  start(): this {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const original = console[method].bind(console);
      this.spies.push(
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          this.recorded.push(format(...args));
          original(...args);
        }),
      );
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
      this.spies.push(
        vi.spyOn(stream, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
          this.recorded.push(String(chunk));
          return original(chunk, ...rest);
        }),
      );
    }
    return this;
  }

  stop(): void {
    for (const spy of this.spies.splice(0)) spy.mockRestore();
  }

  /** Keeps a thrown error (message, stack, causes and own properties) or an event payload for the check. */
  record(value: unknown): void {
    this.recorded.push(format('%O', value));
    let cause = (value as { cause?: unknown } | undefined)?.cause;
    for (let depth = 0; cause !== undefined && depth < 5; depth++) {
      this.recorded.push(format('%O', cause));
      cause = (cause as { cause?: unknown }).cause;
    }
  }

  /** Every captured text: log lines, console output, recorded errors and payloads. */
  get texts(): string[] {
    return [...this.logger.entries.map((e) => e.message), ...this.recorded];
  }

  /** The secrets (or a recognisable part of them, for PEM keys) that appear anywhere in the captured text. */
  leaks(secrets: readonly string[]): string[] {
    const all = this.texts.join('\n');
    return secrets.filter((secret) => all.includes(secret));
  }
}

/** The body lines of a PEM private key: any of them appearing means the key leaked. */
export function pemBodyLines(pem: string): string[] {
  return pem.split(/\r?\n/).filter((line) => line.length > 0 && !line.startsWith('-----'));
}

/** A provider that records every `server.on('error')` payload of the module's server into `watch`. */
export function errorWatcher(watch: SecretWatch) {
  return {
    provide: 'SECRET_WATCH_ERRORS',
    inject: [EventBusServer],
    useFactory: (server: EventBusServer) => {
      server.on('error', (error) => watch.record(error));
      return true;
    },
  };
}
