import { eventBatches } from '../lib/bench-event';
import { nowMs } from '../lib/clock';
import type { ContenderFactory } from '../lib/contender';
import { IO_CONCURRENCY } from '../scenarios/scenario';

/**
 * No broker and no consumer: the scenario's events, made in publish order, run through the benchmark handler
 * 256 at a time. Nothing orders an aggregate's versions but their spacing: 1,000 events apart in a full run
 * (100 with `--quick`, where they can overlap). What the handlers alone reach on this machine: the I/O
 * scenarios' real ceiling, below their 51,200 msgs/s bound by however late the machine's timers fire.
 */
export const createContender: ContenderFactory = (job, handle) => {
  let stopped = false;
  return {
    start() {
      const events = [...eventBatches(job.shape)].flat();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (!stopped && next < events.length) {
          const done = handle({ ...events[next++]!, publishedAt: nowMs() });
          if (done) await done;
        }
      };
      for (let i = 0; i < IO_CONCURRENCY; i++) void worker();
      return Promise.resolve();
    },
    stop() {
      stopped = true;
      return Promise.resolve();
    },
  };
};
