import { Logger, type LoggerService } from '@nestjs/common';
import { EventBusConnection } from '../../nest/event-bus.connection';
import { resolveEventBusOptions } from '../../options/event-bus.options';
import type { DeadLetter } from '../dead-letter';
import { DeadLetterQueue } from '../dead-letter-queue';
import { CliUsageError } from './cli-usage.error';
import { parseCliArguments, USAGE } from './cli-arguments';
import { deadLetterTable } from './dead-letter-table';

/** Where the command writes: results to `out`, progress, logs and errors to `err`. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
  /** True when `err` is a terminal: progress is then rewritten on one line. */
  readonly interactive: boolean;
}

/** Exit codes of the command. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

/** Replays of at least this many dead letters report progress. */
const PROGRESS_FROM = 20;

/** Runs `dlq list|replay`; resolves with the exit code, never rejects. */
export async function runCli(argv: readonly string[], io: CliOutput): Promise<number> {
  let queue: DeadLetterQueue | undefined;
  let connection: EventBusConnection | undefined;
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return ExitCode.ok;
  }
  try {
    const command = parseCliArguments(argv);
    Logger.overrideLogger(stderrLogger(io));
    const options = resolveEventBusOptions(command.options);
    connection = new EventBusConnection(options);
    queue = new DeadLetterQueue(options, connection);
    if (command.command === 'list') {
      const letters = await queue.list(command.topic, { limit: command.limit });
      io.out(command.json ? JSON.stringify(letters.map(toJson)) : listText(command.topic, letters));
    } else {
      const replayed = await queue.replay(command.topic, command.selection!, {
        onProgress: (n, total) => {
          if (total < PROGRESS_FROM) return;
          if (io.interactive) io.err(`\rreplayed ${n}/${total}${n === total ? '\n' : ''}`);
          else if (n === total || n % 100 === 0) io.err(`replayed ${n}/${total}\n`);
        },
      });
      io.out(
        command.json
          ? JSON.stringify(replayed.map(toJson))
          : `replayed ${replayed.length} dead letter(s) to ${command.topic}${replayed.length ? `: ${replayed.map((l) => l.id).join(', ')}` : ''}`,
      );
    }
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.err(`error: ${error.message}\n\n${USAGE}\n`);
      return ExitCode.usage;
    }
    const e = error as Error;
    const cause = e.cause instanceof Error ? ` (cause: ${e.cause.message})` : '';
    io.err(`error: ${e.name ?? 'Error'}: ${e.message}${cause}\n`);
    return e.name === 'InvalidOptionsError' || e.name === 'InvalidTopicError'
      ? ExitCode.usage
      : ExitCode.failed;
  } finally {
    await queue?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }
}

function listText(topic: string, letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return `no dead letters waiting for ${topic}`;
  return deadLetterTable(letters);
}

/** A dead letter as JSON: the value as base64, the envelope when it decodes. */
function toJson(l: DeadLetter): Record<string, unknown> {
  return { ...l, failedAt: l.failedAt.toISOString(), value: l.value.toString('base64') };
}

function stderrLogger(io: CliOutput): LoggerService {
  const write = (level: string) => (message: unknown) => io.err(`${level}: ${String(message)}\n`);
  return { log: () => undefined, warn: write('warn'), error: write('error') };
}
