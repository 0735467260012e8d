import { Kafka, logLevel } from 'kafkajs';
import { benchEventOf } from '../lib/bench-event';
import type { ContenderFactory } from '../lib/contender';

/**
 * Plain kafkajs `eachMessage`, `partitionsConsumedConcurrently: 3`: one message at a time per partition
 * (which keeps per-aggregate order, the key being the aggregate id), the 3 partitions in parallel.
 * Offsets are auto-committed (kafkajs defaults).
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
        eachMessage: async ({ message }) => {
          const done = handle(benchEventOf(JSON.parse(message.value!.toString()), job.wire));
          if (done) await done;
        },
      });
    },
    stop: () => consumer.disconnect(),
  };
};
