import type { ContenderRunResult, InstanceShare } from './contender';

/** One contender in one scenario, over all its runs: medians of the measures, worst case of the checks. */
export interface ContenderSummary {
  readonly scenario: string;
  readonly contender: string;
  readonly label: string;
  readonly runs: number;
  /** Every run complete, nothing lost, no order violation, nothing unexpected. */
  readonly ok: boolean;
  /** Why `ok` is false, one entry per finding. */
  readonly problems: string[];
  /** What else a reader needs: a scaled-out contender's partitions and handlings per instance, per run. */
  readonly notes: string[];
  readonly messages: number;
  readonly msgsPerSec: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly startRssMb: number;
  readonly peakRssMb: number;
  readonly drainedRssMb: number | undefined;
  /** Worst run. */
  readonly lost: number;
  readonly orderViolations: number;
  readonly duplicates: number;
  readonly unexpected: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianOf(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === values.length && defined.length > 0 ? median(defined) : undefined;
}

/** Combines the runs of one contender in one scenario; a failed run is never averaged away. */
export function summarize(label: string, runs: readonly ContenderRunResult[]): ContenderSummary {
  const worst = (pick: (r: ContenderRunResult) => number) => Math.max(...runs.map(pick));
  const lost = worst((r) => r.lost);
  const orderViolations = worst((r) => r.orderViolations);
  const unexpected = worst((r) => r.unexpected);
  const problems: string[] = [];
  const notes: string[] = [];
  runs.forEach((run, i) => {
    const which = runs.length > 1 ? `run ${i + 1}: ` : '';
    if (run.status !== 'complete')
      problems.push(`${which}${run.status}${run.error ? ` (${firstLine(run.error)})` : ''}`);
    if (!run.instances) return;
    notes.push(`${which}${instanceNote(run.instances, run.longestPauseMs)}`);
    run.instances.forEach((instance, k) => {
      if (instance.handled === 0) problems.push(`${which}instance ${k + 1} handled nothing`);
    });
  });
  if (lost) problems.push(`lost ${lost}`);
  if (orderViolations) problems.push(`${orderViolations} order violations`);
  if (unexpected) problems.push(`${unexpected} unexpected events`);
  return {
    scenario: runs[0].scenario,
    contender: runs[0].contender,
    label,
    runs: runs.length,
    ok: problems.length === 0,
    problems,
    notes,
    messages: runs[0].expected,
    msgsPerSec: median(runs.map((r) => r.msgsPerSec)),
    p50Ms: medianOf(runs.map((r) => r.p50Ms)),
    p99Ms: medianOf(runs.map((r) => r.p99Ms)),
    startRssMb: median(runs.map((r) => r.startRssMb)),
    peakRssMb: median(runs.map((r) => r.peakRssMb)),
    drainedRssMb: medianOf(runs.map((r) => r.drainedRssMb)),
    lost,
    orderViolations,
    duplicates: worst((r) => r.duplicates),
    unexpected,
  };
}

/**
 * A scaled-out run: per instance, the partitions it held when handling began (and at the end, when they had
 * changed) and how many handlings it made; then the longest pause in handling on all instances together, e.g.
 * `partitions 0,3: 6,702 handled; partitions 1,4: 6,689 handled; longest pause 0.1 s`.
 */
export function instanceNote(instances: readonly InstanceShare[], longestPauseMs: number): string {
  const shares = instances.map(({ partitions, partitionsAtEnd, handled }) => {
    const held = partitions.join(',') || 'none';
    const end = partitionsAtEnd.join(',') || 'none';
    const moved = end === held ? '' : ` (at the end: ${end})`;
    return `partitions ${held}${moved}: ${handled.toLocaleString('en-US')} handled`;
  });
  return [...shares, `longest pause ${(longestPauseMs / 1000).toFixed(1)} s`].join('; ');
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim())
      ?.trim() ?? ''
  );
}
