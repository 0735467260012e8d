import { fork } from 'node:child_process';
import { eventCount } from './bench-event';
import type { ContenderJob, ContenderRunResult } from './contender';

/** Source of the contender process entry, relative to the project root. */
export const CONTENDER_PROCESS_ENTRY = 'bench/lib/contender-process.ts';
const OUTPUT_TAIL_CHARS = 4_000;

/**
 * Runs one contender in a fresh Node process (own heap, own RSS) from the compiled `entry` (see
 * `buildForChildren`) and resolves with its report. A process that dies or overruns `hardTimeoutMs`
 * (then killed) yields an `error` result with its last output.
 */
export function runContender(
  entry: string,
  job: ContenderJob,
  hardTimeoutMs: number,
): Promise<ContenderRunResult> {
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every contender process there (for `--cpu-prof` analysis).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const child = fork(entry, [], {
    execArgv: ['--expose-gc', ...profile],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return new Promise((resolve) => {
    let result: ContenderRunResult | undefined;
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, hardTimeoutMs);
    child.on('message', (message: ContenderRunResult) => (result = message));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) {
        resolve(
          result.status === 'complete' ? result : { ...result, error: withOutput(result.error, output) },
        );
        return;
      }
      const why = killed ? `killed after ${hardTimeoutMs} ms` : `exited (${code ?? signal}) without a report`;
      resolve(failedRun(job.scenario, job.contender, eventCount(job.shape), withOutput(why, output)));
    });
    child.send(job);
  });
}

function withOutput(error: string | undefined, output: string): string | undefined {
  const tail = output.trim();
  if (!tail) return error;
  return `${error ?? ''}\n--- contender output (tail) ---\n${tail}`.trim();
}

/** The result of a run that produced no report of its own (its process died, or preparing it failed). */
export function failedRun(
  scenario: string,
  contender: string,
  expected: number,
  error: string | undefined,
): ContenderRunResult {
  return {
    scenario,
    contender,
    status: 'error',
    error,
    expected,
    handled: 0,
    distinct: 0,
    lost: expected,
    duplicates: 0,
    orderViolations: 0,
    unexpected: 0,
    firstAt: undefined,
    lastAt: undefined,
    p50Ms: undefined,
    p99Ms: undefined,
    durationMs: 0,
    msgsPerSec: 0,
    startRssMb: 0,
    peakRssMb: 0,
    drainedRssMb: undefined,
  };
}
