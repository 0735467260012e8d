import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchEvent } from './bench-event';
import { nowMs } from './clock';
import type { Contender, RunStatus } from './contender';
import type { Handling, InstanceMessage, InstanceOrder } from './instance-messages';

const HELD_INTERVAL_MS = 200;
const FLUSH_INTERVAL_MS = 50;

function send(message: InstanceMessage): void {
  process.send!(message);
}

/** The handler's sink in an instance process: each handling is timed here and sent to the harness in batches. */
export class HandlingStream {
  private pending: Handling[] = [];

  record(event: BenchEvent): void {
    this.pending.push({ ...event, at: nowMs() });
  }

  flush(): void {
    if (this.pending.length === 0) return;
    send({ kind: 'handled', handlings: this.pending });
    this.pending = [];
  }
}

/**
 * One instance's part in a scaled-out run (see `runInstances`), once its contender started paused: reports the
 * partitions it holds every 200 ms until the harness says go, then resumes the contender and sends its handlings
 * every 50 ms until the harness says stop. Resolves with the status the harness judged and the partitions held
 * at the end.
 */
export async function playInstance(
  contender: Contender,
  stream: HandlingStream,
): Promise<{ status: RunStatus; partitionsAtEnd: number[] }> {
  const held = () => contender.heldPartitions!();
  let go!: () => void;
  let stop!: (status: RunStatus) => void;
  const started = new Promise<'go'>((resolve) => (go = () => resolve('go')));
  const stopped = new Promise<RunStatus>((resolve) => (stop = resolve));
  process.on('message', (order: InstanceOrder) => (order.kind === 'go' ? go() : stop(order.status)));

  const first = Promise.race([started, stopped]);
  let waiting = true;
  void first.then(() => (waiting = false));
  while (waiting) {
    send({ kind: 'held', partitions: await held() });
    await Promise.race([first, sleep(HELD_INTERVAL_MS)]);
  }
  if ((await first) === 'go') {
    contender.resume!();
    const flushing = setInterval(() => stream.flush(), FLUSH_INTERVAL_MS);
    await stopped.finally(() => clearInterval(flushing));
  }
  stream.flush();
  return { status: await stopped, partitionsAtEnd: await held() };
}
