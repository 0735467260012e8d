// A contender's own process: receives one ContenderJob over IPC, consumes the prepared data set,
// reports a ContenderRunResult over IPC and exits. Started by run-contender.ts with --expose-gc.
// With `job.instance` set it is one instance of a scaled-out contender (instance-role.ts): it streams its
// handlings to the harness, which decides when the run is over, and reports its own outcome last.
// BENCH_ALLOC_PROF=<dir> writes an allocation profile of the process there (allocation-profile.ts);
// BENCH_TIMELINE=<dir> a timeline of the run, <scenario>-<contender>-<pid>.tsv (timeline-sampler.ts).
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONTENDERS, isContenderId } from '../contenders/contender-registry';
import { eventBatches } from './bench-event';
import { createBenchHandler, type HandledSink } from './bench-handler';
import { nowMs } from './clock';
import type { Contender, ContenderJob, ContenderRunResult, ProcessOutcome, RunStatus } from './contender';
import type { InstanceMessage } from './instance-messages';
import { HandlingStream, playInstance } from './instance-role';
import { Recorder, throughputOf } from './recorder';
import { RssSampler } from './rss-sampler';
import { TimelineSampler } from './timeline-sampler';
import { watchRun } from './watch-run';
import { profileAllocationsTo } from './allocation-profile';

/** In-process publishing keeps at most this many published events unhandled. */
const IN_PROCESS_WINDOW = 20_000;
const STOP_TIMEOUT_MS = 30_000;

profileAllocationsTo(process.env.BENCH_ALLOC_PROF);

process.once('message', (job: ContenderJob) => {
  const run: Promise<ContenderRunResult | InstanceMessage> = job.instance ? runInstance(job) : runJob(job);
  void run.then((result) => process.send!(result, () => process.exit(0)));
});

async function runJob(job: ContenderJob): Promise<ContenderRunResult> {
  const recorder = new Recorder(job.shape);
  const timelineDir = process.env.BENCH_TIMELINE;
  const timeline = timelineDir ? new TimelineSampler(() => recorder.handledSoFar) : undefined;
  timeline?.start();
  const outcome = await runProcess(job, recorder, (contender) => consumeAll(contender, recorder, job));
  timeline?.stop();
  timeline?.writeTo(timelineDir!, `${job.scenario}-${job.contender}-${process.pid}`);
  const report = recorder.report();
  return { ...report, ...throughputOf(report), scenario: job.scenario, contender: job.contender, ...outcome };
}

async function runInstance(job: ContenderJob): Promise<InstanceMessage> {
  const stream = new HandlingStream();
  let partitionsAtEnd: number[] = [];
  const outcome = await runProcess(job, stream, async (contender) => {
    const played = await playInstance(contender, stream);
    partitionsAtEnd = played.partitionsAtEnd;
    return played.status;
  });
  return { kind: 'result', partitionsAtEnd, ...outcome };
}

/**
 * Starts the job's contender with `sink` behind its handler, lets `drive` run it to a status, measures RSS
 * (drained only after a complete run), then stops the contender.
 */
async function runProcess(
  job: ContenderJob,
  sink: HandledSink,
  drive: (contender: Contender) => Promise<RunStatus>,
): Promise<ProcessOutcome> {
  const sampler = new RssSampler();
  sampler.start();
  let status: RunStatus;
  let error: string | undefined;
  let startRssMb = 0;
  let drainedRssMb: number | undefined;
  let contender: Contender | undefined;
  try {
    if (!isContenderId(job.contender)) throw new Error(`unknown contender '${job.contender}'`);
    const { createContender } = await CONTENDERS[job.contender].load();
    const started = createContender(job, createBenchHandler(job.handlerDelayMs, sink));
    contender = started;
    await started.start();
    startRssMb = sampler.sample();
    status = await drive(started);
    if (status === 'complete') drainedRssMb = await drainedRss(sampler);
  } catch (e) {
    status = 'error';
    error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  }
  if (contender) {
    const stopError = await stopWithin(contender, STOP_TIMEOUT_MS);
    if (stopError && !error) error = `stop failed: ${stopError}`;
  }
  sampler.stop();
  return { status, error, startRssMb, peakRssMb: sampler.peakMb, drainedRssMb };
}

/** Waits until the contender handled the whole data set, publishing it first when the broker is in process. */
async function consumeAll(contender: Contender, recorder: Recorder, job: ContenderJob): Promise<RunStatus> {
  const publishing = job.publishInProcess ? publishInProcess(contender, recorder, job) : undefined;
  const status = await watchRun(recorder, job, publishing);
  if (status === 'complete') await publishing;
  return status;
}

/** Publishes the data set through the contender, keeping at most IN_PROCESS_WINDOW events unhandled. */
async function publishInProcess(contender: Contender, recorder: Recorder, job: ContenderJob): Promise<void> {
  if (!contender.publishBatch) throw new Error(`contender '${job.contender}' cannot publish in process`);
  let published = 0;
  for (const batch of eventBatches(job.shape)) {
    await recorder.whenDistinct(published - IN_PROCESS_WINDOW);
    const publishedAt = nowMs();
    await contender.publishBatch(batch.map((event) => ({ ...event, publishedAt })));
    published += batch.length;
  }
}

/** RSS once the drained process has settled and collected its garbage (needs --expose-gc). */
async function drainedRss(sampler: RssSampler): Promise<number> {
  await sleep(500);
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await sleep(100);
  }
  return sampler.sample();
}

async function stopWithin(contender: Contender, ms: number): Promise<string | undefined> {
  const timeout = sleep(ms, 'timeout', { ref: false }).then(() => `did not stop within ${ms} ms`);
  try {
    return await Promise.race([contender.stop().then(() => undefined), timeout]);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
