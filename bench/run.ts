// `npm run bench`: runs the scenarios side by side, each contender in its own process (a scaled-out one in
// several) on freshly published data, prints the results table and writes
// bench/results/{latest.md,latest.json,throughput.svg}.
import { fileURLToPath } from 'node:url';
import {
  type ContenderEntry,
  CONTENDERS,
  type ContenderId,
  isContenderId,
} from './contenders/contender-registry';
import { type BenchArgs, parseBenchArgs, USAGE } from './lib/bench-args';
import { eventCount } from './lib/bench-event';
import type { ContenderRunResult } from './lib/contender';
import { prepareRun, publishSharedData, type RunSettings, type SharedData } from './lib/prepare-run';
import { writeResults } from './lib/results-writer';
import { textTable } from './lib/results-table';
import { buildForChildren } from './lib/child-build';
import { CONTENDER_PROCESS_ENTRY, failedRun, runContender } from './lib/run-contender';
import { runInstances } from './lib/run-instances';
import { type ContenderSummary, instanceNote, summarize } from './lib/summarize';
import { checkTargets, targetMark } from './lib/targets';
import type { Scenario } from './scenarios/scenario';
import { SCENARIOS } from './scenarios/scenarios';

const DEFAULT_OUT = fileURLToPath(new URL('./results', import.meta.url));

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function select(only: string[], contenders: string[]): Scenario[] {
  const unknownScenario = only.find((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknownScenario) {
    throw new Error(
      `unknown scenario '${unknownScenario}' (${SCENARIOS.map((s) => s.id).join(', ')})\n${USAGE}`,
    );
  }
  const unknownContender = contenders.find((id) => !isContenderId(id));
  if (unknownContender) {
    throw new Error(
      `unknown contender '${unknownContender}' (${Object.keys(CONTENDERS).join(', ')})\n${USAGE}`,
    );
  }
  return SCENARIOS.filter((s) => only.length === 0 || only.includes(s.id));
}

/**
 * A full run counts as stalled after 60 s without a handling: longer than JetStream takes to deliver again what
 * a consumer received but did not acknowledge (`ack_wait`, 30 s), and than a partition whose lease ran out takes
 * to start again (about 44 s with the default lease and `ack_wait`).
 */
function settingsFor(scenario: Scenario, quick: boolean): RunSettings {
  return {
    shape: quick ? scenario.quickShape : scenario.shape,
    startTimeoutMs: 60_000,
    idleTimeoutMs: quick ? 10_000 : 60_000,
  };
}

/** Generous wall-clock bound for one contender process: start-up plus twice a fully serial run. */
function hardTimeoutMs(scenario: Scenario, settings: RunSettings): number {
  return settings.startTimeoutMs + 60_000 + eventCount(settings.shape) * (scenario.handlerDelayMs + 1) * 2;
}

async function runOnce(
  entry: string,
  scenario: Scenario,
  contender: ContenderId,
  settings: RunSettings,
  shared: SharedData | undefined,
): Promise<ContenderRunResult> {
  const expected = eventCount(settings.shape);
  try {
    const prepared = await prepareRun(scenario, contender, settings, shared);
    if (prepared.publishMs)
      log(`  published ${expected} events in ${(prepared.publishMs / 1000).toFixed(1)} s`);
    try {
      const timeoutMs = hardTimeoutMs(scenario, settings);
      const { instances } = CONTENDERS[contender] as ContenderEntry;
      return instances
        ? await runInstances(entry, prepared.job, instances, timeoutMs)
        : await runContender(entry, prepared.job, timeoutMs);
    } finally {
      await prepared.cleanup().catch((e: unknown) => log(`  cleanup failed: ${String(e)}`));
    }
  } catch (e) {
    return failedRun(
      scenario.id,
      contender,
      expected,
      `preparing the data failed: ${e instanceof Error ? e.stack : String(e)}`,
    );
  }
}

/**
 * Runs every selected contender `repeat` times per scenario, each run in a fresh process on fresh data, or,
 * in a `sameMessages` scenario, on the data set published once for all of them, with a fresh group.
 */
async function runAll(
  entry: string,
  scenarios: readonly Scenario[],
  args: BenchArgs,
): Promise<{ summaries: ContenderSummary[]; runs: ContenderRunResult[] }> {
  const summaries: ContenderSummary[] = [];
  const runs: ContenderRunResult[] = [];
  for (const scenario of scenarios) {
    const settings = settingsFor(scenario, args.quick);
    const shared = await sharedDataOf(scenario, settings);
    try {
      for (const contender of contendersOf(scenario, args)) {
        const results = await runRepeated(entry, scenario, contender, settings, shared, args.repeat);
        runs.push(...results);
        summaries.push(summarize(CONTENDERS[contender].label, results));
      }
    } finally {
      await shared?.cleanup().catch((e: unknown) => log(`  cleanup failed: ${String(e)}`));
    }
  }
  return { summaries, runs };
}

/** The data set of a `sameMessages` scenario, published once (undefined for other scenarios). */
async function sharedDataOf(scenario: Scenario, settings: RunSettings): Promise<SharedData | undefined> {
  if (!scenario.sameMessages) return undefined;
  const shared = await publishSharedData(scenario, settings);
  log(
    `[${scenario.id}] published ${eventCount(settings.shape)} events once for every contender in ` +
      `${(shared.publishMs / 1000).toFixed(1)} s`,
  );
  return shared;
}

async function runRepeated(
  entry: string,
  scenario: Scenario,
  contender: ContenderId,
  settings: RunSettings,
  shared: SharedData | undefined,
  repeat: number,
): Promise<ContenderRunResult[]> {
  const label = CONTENDERS[contender].label;
  const results: ContenderRunResult[] = [];
  for (let i = 1; i <= repeat; i++) {
    log(`[${scenario.id}] ${label}, run ${i}/${repeat}`);
    const result = await runOnce(entry, scenario, contender, settings, shared);
    log(
      `  ${result.status}: ${Math.round(result.msgsPerSec)} msgs/s, ${result.distinct}/${result.expected} handled, ` +
        `peak RSS ${result.peakRssMb.toFixed(0)} MB`,
    );
    if (result.instances) log(`  ${instanceNote(result.instances, result.longestPauseMs)}`);
    if (result.error) log(result.error.replace(/^/gm, '  | '));
    results.push(result);
  }
  return results;
}

function contendersOf(scenario: Scenario, args: BenchArgs): ContenderId[] {
  return scenario.contenders.filter((c) => args.contenders.length === 0 || args.contenders.includes(c));
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const scenarios = select(args.only, args.contenders);
  if (!scenarios.some((s) => contendersOf(s, args).length > 0)) throw new Error(`nothing to run\n${USAGE}`);
  const startedAt = new Date().toISOString();
  const build = await buildForChildren(CONTENDER_PROCESS_ENTRY);
  let results: Awaited<ReturnType<typeof runAll>>;
  try {
    results = await runAll(build.entry, scenarios, args);
  } finally {
    build.dispose();
  }
  const { summaries, runs } = results;

  const targets = checkTargets(scenarios, summaries);
  log('');
  log(textTable(summaries));
  log('');
  for (const t of targets) log(`target ${t.scenario}: ${t.text} (${targetMark(t)})`);
  for (const s of summaries) for (const note of s.notes) log(`${s.scenario} / ${s.label}: ${note}`);
  for (const s of summaries.filter((x) => !x.ok))
    log(`✗ ${s.scenario} / ${s.label}: ${s.problems.join('; ')}`);
  const files = writeResults(args.out ?? DEFAULT_OUT, {
    startedAt,
    quick: args.quick,
    repeat: args.repeat,
    summaries,
    targets,
    runs,
    titles: new Map(scenarios.map((s) => [s.id, s.title])),
  });
  log(`\nwrote ${files.join(', ')}`);
  // A contender that lost, reordered or failed makes the run fail; a missed performance target does not.
  process.exitCode = summaries.every((s) => s.ok) ? 0 : 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
});
