import { Kafka, logLevel } from 'kafkajs';
import { benchEventOf } from '../lib/bench-event';
import type { ContenderFactory } from '../lib/contender';

/**
 * Plain kafkajs `eachBatch`, the client's throughput limit: messages handled in order, each offset
 * resolved after its handler, then one heartbeat and one commit per batch; the 3 partitions in parallel.
 */
export const createContender: ContenderFactory = (job, handle) => {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: job.kafkaBrokers, logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId: job.group });
  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topic: job.topic, fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: 3,
        eachBatchAutoResolve: false,
        eachBatch: async ({
          batch,
          resolveOffset,
          heartbeat,
          commitOffsetsIfNecessary,
          isRunning,
          isStale,
        }) => {
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            const done = handle(benchEventOf(JSON.parse(message.value!.toString()), job.wire));
            if (done) await done;
            resolveOffset(message.offset);
          }
          await heartbeat();
          await commitOffsetsIfNecessary();
        },
      });
    },
    stop: () => consumer.disconnect(),
  };
};
