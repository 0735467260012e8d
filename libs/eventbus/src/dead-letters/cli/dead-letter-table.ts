import type { DeadLetter } from '../dead-letter';

const REASON_WIDTH = 60;

/** A plain-text table of dead letters: id, failed at, attempts, key, reason (cut to 60 characters). */
export function deadLetterTable(letters: readonly DeadLetter[]): string {
  const rows = letters.map((l) => [
    l.id,
    Number.isNaN(l.failedAt.getTime()) ? '-' : l.failedAt.toISOString(),
    String(l.attempts),
    l.key ?? '-',
    l.reason.length > REASON_WIDTH ? `${l.reason.slice(0, REASON_WIDTH - 1)}…` : l.reason,
  ]);
  const all = [['ID', 'FAILED AT', 'ATTEMPTS', 'KEY', 'REASON'], ...rows];
  const widths = all[0].map((_, c) => Math.max(...all.map((r) => r[c].length)));
  return all
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
