import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { ContenderRunResult } from './contender';
import { markdownTable } from './results-table';
import type { ContenderSummary } from './summarize';
import { type TargetCheck, targetMark } from './targets';
import { throughputChart } from './throughput-chart';

/** Everything one `npm run bench` produced. */
export interface BenchReport {
  readonly startedAt: string;
  readonly quick: boolean;
  readonly repeat: number;
  readonly summaries: readonly ContenderSummary[];
  readonly targets: readonly TargetCheck[];
  readonly runs: readonly ContenderRunResult[];
  /** Scenario id to title. */
  readonly titles: ReadonlyMap<string, string>;
}

/** The machine the numbers come from. */
function machine(): string {
  const cores = cpus();
  return `Node ${process.version}, ${process.platform}/${process.arch}, ${cores.length} cores (${cores[0]?.model ?? 'unknown'})`;
}

/** Writes `latest.md`, `latest.json` and `throughput.svg` into `dir`; returns their paths. */
export function writeResults(dir: string, report: BenchReport): string[] {
  mkdirSync(dir, { recursive: true });
  const md = join(dir, 'latest.md');
  const json = join(dir, 'latest.json');
  const svg = join(dir, 'throughput.svg');
  writeFileSync(md, markdown(report));
  writeFileSync(
    json,
    `${JSON.stringify(
      {
        startedAt: report.startedAt,
        quick: report.quick,
        repeat: report.repeat,
        machine: machine(),
        summaries: report.summaries,
        targets: report.targets,
        runs: report.runs,
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(svg, throughputChart(report.summaries, report.titles));
  return [md, json, svg];
}

function markdown(report: BenchReport): string {
  const lines = [
    '# Benchmark results',
    '',
    `${report.quick ? 'Quick run (`--quick`, small data sets)' : 'Full run'}, started ${report.startedAt}; ` +
      `${report.repeat} run(s) per contender, medians shown; ${machine()}.`,
    '',
    markdownTable(report.summaries),
    '',
  ];
  if (report.targets.length) {
    lines.push(
      '## Targets',
      '',
      ...report.targets.map((t) => `- ${t.scenario}: ${t.text} (${targetMark(t)})`),
      '',
    );
  }
  const failed = report.summaries.filter((s) => !s.ok);
  if (failed.length) {
    lines.push(
      '## Problems',
      '',
      ...failed.map((s) => `- ${s.scenario} / ${s.label}: ${s.problems.join('; ')}`),
      '',
    );
  }
  const noted = report.summaries.filter((s) => s.notes.length);
  if (noted.length) {
    lines.push(
      '## Notes',
      '',
      ...noted.flatMap((s) => s.notes.map((note) => `- ${s.scenario} / ${s.label}: ${note}`)),
      '',
    );
  }
  lines.push('![throughput per contender](throughput.svg)', '');
  return lines.join('\n');
}
