import { Kafka, logLevel } from 'kafkajs';
import { benchEventOf } from '../lib/bench-event';
import type { ContenderFactory } from '../lib/contender';
import { IO_CONCURRENCY } from '../scenarios/scenario';

/**
 * Plain kafkajs `eachBatch` that starts each message's handler without awaiting it, at most 256 at once, and
 * resolves each offset as soon as its handler started: the client's own limit with the handlers' concurrency,
 * not a peer. It keeps no per-aggregate order of its own (the data set's spacing of an aggregate's versions,
 * 1,000 events apart, keeps them in order in practice) and commits what it has not handled yet.
 */
export const createContender: ContenderFactory = (job, handle) => {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: job.kafkaBrokers, logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: job.group });
  let running = 0;
  let slotFreed: (() => void) | undefined;
  const finished = () => {
    running--;
    const wake = slotFreed;
    slotFreed = undefined;
    wake?.();
  };
  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topic: job.topic, fromBeginning: true });
      await consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            while (running >= IO_CONCURRENCY) await new Promise<void>((resolve) => (slotFreed = resolve));
            running++;
            const done = handle(benchEventOf(JSON.parse(message.value!.toString()), job.wire));
            if (done) void done.then(finished, finished);
            else finished();
            resolveOffset(message.offset);
          }
          await heartbeat();
        },
      });
    },
    stop: () => consumer.disconnect(),
  };
};
