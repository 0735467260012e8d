import { type ChildProcess, fork } from 'node:child_process';
import { eventCount } from './bench-event';
import type { ContenderJob, ContenderRunResult } from './contender';

/** Source of the contender process entry, relative to the project root. */
export const CONTENDER_PROCESS_ENTRY = 'bench/lib/contender-process.ts';
const OUTPUT_TAIL_CHARS = 4_000;

/** A contender process and the tail of its output (stdout and stderr). */
export interface ForkedContender {
  readonly child: ChildProcess;
  output(): string;
}

/** Forks a fresh Node process (own heap, own RSS) from the compiled contender `entry` (see `buildForChildren`). */
export function forkContender(entry: string): ForkedContender {
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
  return { child, output: () => output };
}

/** How a contender process ended: with its report, or without one and why. */
export type ProcessEnd<T> = { readonly report: T } | { readonly failure: string };

/**
 * Resolves once the forked process exited, with the last message `isReport` accepted, or, when none came, with
 * why: killed after `hardTimeoutMs`, or its exit code or signal.
 */
export function processEnd<T>(
  { child }: ForkedContender,
  hardTimeoutMs: number,
  isReport: (message: unknown) => message is T,
): Promise<ProcessEnd<T>> {
  return new Promise((resolve) => {
    let report: T | undefined;
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, hardTimeoutMs);
    child.on('message', (message: unknown) => {
      if (isReport(message)) report = message;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const why = killed ? `killed after ${hardTimeoutMs} ms` : `exited (${code ?? signal}) without a report`;
      resolve(report !== undefined ? { report } : { failure: why });
    });
  });
}

/**
 * Runs one contender in its own process (`forkContender`) and resolves with its report. A process that dies
 * or overruns `hardTimeoutMs` (then killed) yields an `error` result with its last output.
 */
export async function runContender(
  entry: string,
  job: ContenderJob,
  hardTimeoutMs: number,
): Promise<ContenderRunResult> {
  const forked = forkContender(entry);
  const ended = processEnd(forked, hardTimeoutMs, (_: unknown): _ is ContenderRunResult => true);
  forked.child.send(job);
  const end = await ended;
  if ('failure' in end)
    return failedRun(
      job.scenario,
      job.contender,
      eventCount(job.shape),
      withOutput(end.failure, forked.output()),
    );
  const result = end.report;
  return result.status === 'complete'
    ? result
    : { ...result, error: withOutput(result.error, forked.output()) };
}

/** `error` followed by the tail of a contender's output, when there is any. */
export function withOutput(error: string | undefined, output: string): string | undefined {
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
    longestPauseMs: 0,
    p50Ms: undefined,
    p99Ms: undefined,
    durationMs: 0,
    msgsPerSec: 0,
    startRssMb: 0,
    peakRssMb: 0,
    drainedRssMb: undefined,
  };
}
