import { setTimeout as sleep } from 'node:timers/promises';
import { LEASE_TTL_MS } from '../contenders/eventbus-options';
import type { ContenderJob, ContenderRunResult, ProcessOutcome, RunStatus } from './contender';
import type { Handling, InstanceMessage, InstanceOrder } from './instance-messages';
import { mergeHandlings } from './merge-handlings';
import { Recorder, throughputOf } from './recorder';
import {
  forkContender,
  type ForkedContender,
  type ProcessEnd,
  processEnd,
  withOutput,
} from './run-contender';
import { watchRun } from './watch-run';

/** How long the instances' shares must stay unchanged before handling begins: a rebalance round and a margin. */
const BALANCE_STABLE_MS = LEASE_TTL_MS / 3 + 1_000;
const BALANCE_POLL_MS = 100;

type InstanceResult = Extract<InstanceMessage, { kind: 'result' }>;

const isResult = (message: unknown): message is InstanceResult =>
  (message as InstanceMessage).kind === 'result';

/** The harness's end of one instance process: what it holds, what it handled, how it ended. */
class InstanceProcess {
  held: number[] = [];
  handled = 0;
  readonly forked: ForkedContender;
  readonly ended: Promise<ProcessEnd<InstanceResult>>;

  constructor(
    entry: string,
    job: ContenderJob,
    hardTimeoutMs: number,
    onHandled: (batch: Handling[]) => void,
  ) {
    this.forked = forkContender(entry);
    this.ended = processEnd(this.forked, hardTimeoutMs, isResult);
    this.forked.child.on('message', (message: InstanceMessage) => {
      if (message.kind === 'held') this.held = message.partitions;
      else if (message.kind === 'handled') {
        this.handled += message.handlings.length;
        onHandled(message.handlings);
      }
    });
    this.forked.child.send(job);
  }

  order(order: InstanceOrder): void {
    if (this.forked.child.connected) this.forked.child.send(order);
  }
}

/**
 * True when every instance holds `floor` or `ceil` of `partitions / shares.length` partitions and together they
 * hold each partition (leases are exclusive, so none twice).
 */
export function isBalanced(shares: readonly (readonly number[])[], partitions: number): boolean {
  const low = Math.floor(partitions / shares.length);
  const high = Math.ceil(partitions / shares.length);
  return (
    shares.every((share) => share.length >= low && share.length <= high) &&
    new Set(shares.flat()).size === partitions
  );
}

/**
 * Runs a scaled-out contender: `count` processes of it (`forkContender`), each given `job` as instance `i` of
 * `count`, join the job's durable paused. Once every instance holds its share of the partitions, unchanged for a
 * rebalance round, the harness tells them to go and merges the handlings they stream back: the run is complete
 * when every event was handled on some instance, stalled or without events as for one process (`watchRun`).
 * Completeness, per-aggregate order, latency and msgs/s (first to last handling on any instance) come from the
 * merged handlings (`mergeHandlings`); RSS is the largest instance's. A process that fails, exits early or
 * overruns `hardTimeoutMs` fails the run.
 */
export async function runInstances(
  entry: string,
  job: ContenderJob,
  count: number,
  hardTimeoutMs: number,
): Promise<ContenderRunResult> {
  const live = new Recorder(job.shape);
  const handlings: Handling[] = [];
  const instances = Array.from(
    { length: count },
    (_, index) =>
      new InstanceProcess(entry, { ...job, instance: { index, of: count } }, hardTimeoutMs, (batch) => {
        for (const handling of batch) live.record(handling, handling.at);
        handlings.push(...batch);
      }),
  );
  let stopping = false;
  const exitedEarly = Promise.race(
    instances.map((instance, i) =>
      instance.ended.then(() => {
        if (!stopping) throw new Error(`instance ${i + 1} exited before the run ended`);
      }),
    ),
  );
  exitedEarly.catch(() => undefined);

  let status: RunStatus;
  let error: string | undefined;
  let shares: number[][] = [];
  try {
    shares = await balancedShares(instances, job, exitedEarly);
    for (const instance of instances) instance.order({ kind: 'go' });
    status = await watchRun(live, job, exitedEarly);
  } catch (e) {
    status = 'error';
    error = e instanceof Error ? e.message : String(e);
  }
  stopping = true;
  for (const instance of instances) instance.order({ kind: 'stop', status });
  const ends = await Promise.all(instances.map((instance) => instance.ended));

  const outcomes: ProcessOutcome[] = ends.map((end, i) => {
    const output = () => instances[i].forked.output();
    if ('failure' in end)
      return { status: 'error', error: withOutput(`instance ${i + 1} ${end.failure}`, output()), ...noRss };
    const { report } = end;
    if (report.status !== 'error') return report;
    return { ...report, error: withOutput(`instance ${i + 1}: ${report.error ?? 'failed'}`, output()) };
  });
  const failed = outcomes.find((o) => o.status === 'error');
  if (failed) {
    status = 'error';
    error = [error, failed.error].filter(Boolean).join('\n');
  }
  const report = mergeHandlings(job.shape, handlings);
  const largest = (pick: (o: ProcessOutcome) => number) => Math.max(...outcomes.map(pick));
  const drained = outcomes.map((o) => o.drainedRssMb);
  return {
    ...report,
    ...throughputOf(report),
    scenario: job.scenario,
    contender: job.contender,
    status,
    error,
    startRssMb: largest((o) => o.startRssMb),
    peakRssMb: largest((o) => o.peakRssMb),
    drainedRssMb: drained.every((mb) => mb !== undefined) ? Math.max(...drained) : undefined,
    instances: instances.map((instance, i) => ({
      partitions: shares[i] ?? instance.held,
      partitionsAtEnd: 'report' in ends[i] ? ends[i].report.partitionsAtEnd : [],
      handled: instance.handled,
    })),
  };
}

const noRss = { startRssMb: 0, peakRssMb: 0, drainedRssMb: undefined };

/**
 * Resolves with the instances' partitions once they are balanced (`isBalanced`) and stayed so, unchanged, for
 * BALANCE_STABLE_MS; rejects after the job's `startTimeoutMs` or when `failure` rejects.
 */
async function balancedShares(
  instances: readonly InstanceProcess[],
  job: ContenderJob,
  failure: Promise<unknown>,
): Promise<number[][]> {
  if (job.partitions < instances.length)
    throw new Error(`${instances.length} instances need at least as many partitions (${job.partitions})`);
  let failed: { error: unknown } | undefined;
  failure.catch((error: unknown) => (failed = { error }));
  const deadline = performance.now() + job.startTimeoutMs;
  let since = performance.now();
  let last = '';
  for (;;) {
    if (failed) throw failed.error;
    const shares = instances.map((instance) => instance.held);
    const now = performance.now();
    const key = JSON.stringify(shares);
    if (key !== last || !isBalanced(shares, job.partitions)) {
      last = key;
      since = now;
    } else if (now - since >= BALANCE_STABLE_MS) return shares;
    if (now > deadline)
      throw new Error(`partitions not balanced within ${job.startTimeoutMs} ms: ${JSON.stringify(shares)}`);
    await sleep(BALANCE_POLL_MS);
  }
}
