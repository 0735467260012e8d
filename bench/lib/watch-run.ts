import { setTimeout as sleep } from 'node:timers/promises';
import { nowMs } from './clock';
import type { ContenderJob, RunStatus } from './contender';

const WATCH_INTERVAL_MS = 50;

/** What `watchRun` follows: distinct events handled so far, of `expected`, and when the last one was. */
export interface RunProgress {
  readonly expected: number;
  readonly distinct: number;
  readonly lastHandledAt: number | undefined;
}

/**
 * Waits until every event was handled (`complete`), nothing was handled for `idleTimeoutMs` (`stalled`) or
 * nothing within `startTimeoutMs` of the call (`no-events`); rejects as soon as `failure` (publishing, a
 * process) rejects.
 */
export async function watchRun(
  progress: RunProgress,
  job: Pick<ContenderJob, 'startTimeoutMs' | 'idleTimeoutMs'>,
  failure?: Promise<unknown>,
): Promise<RunStatus> {
  let failed: { error: unknown } | undefined;
  failure?.catch((error: unknown) => (failed = { error }));
  const startedAt = nowMs();
  for (;;) {
    if (failed) throw failed.error ?? new Error('failed');
    if (progress.distinct >= progress.expected) return 'complete';
    const last = progress.lastHandledAt;
    if (last === undefined && nowMs() - startedAt > job.startTimeoutMs) return 'no-events';
    if (last !== undefined && nowMs() - last > job.idleTimeoutMs) return 'stalled';
    await sleep(WATCH_INTERVAL_MS);
  }
}
