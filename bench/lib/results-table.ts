import type { ContenderSummary } from './summarize';

const COLUMNS = [
  'scenario',
  'contender',
  'ok',
  'messages',
  'msgs/s',
  'p50 ms',
  'p99 ms',
  'peak RSS MB',
  'drained RSS MB',
  'lost',
  'order viol.',
  'dup.',
] as const;
const RIGHT_ALIGNED = new Set<string>(COLUMNS.slice(3));

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function ms(value: number | undefined): string {
  if (value === undefined) return '-';
  return value < 10 ? value.toFixed(2) : integer.format(value);
}

function cells(s: ContenderSummary): string[] {
  return [
    s.scenario,
    s.label,
    s.ok ? '✓' : '✗',
    integer.format(s.messages),
    integer.format(s.msgsPerSec),
    ms(s.p50Ms),
    ms(s.p99Ms),
    s.peakRssMb.toFixed(0),
    s.drainedRssMb === undefined ? '-' : s.drainedRssMb.toFixed(0),
    integer.format(s.lost),
    integer.format(s.orderViolations),
    integer.format(s.duplicates),
  ];
}

/** The results as a fixed-width text table for the terminal. */
export function textTable(summaries: readonly ContenderSummary[]): string {
  const rows = [COLUMNS.slice(), ...summaries.map(cells)];
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, c) => (RIGHT_ALIGNED.has(COLUMNS[c]) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The results as a Markdown table. */
export function markdownTable(summaries: readonly ContenderSummary[]): string {
  const row = (values: readonly string[]) => `| ${values.join(' | ')} |`;
  const rule = COLUMNS.map((c) => (RIGHT_ALIGNED.has(c) ? '---:' : '---'));
  return [row(COLUMNS), row(rule), ...summaries.map((s) => row(cells(s)))].join('\n');
}
