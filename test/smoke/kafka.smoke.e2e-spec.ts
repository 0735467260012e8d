import { Kafka, logLevel } from 'kafkajs';
import { afterAll, expect, it } from 'vitest';
import { describeWithBrokers, KAFKA_BROKERS, uniqueName } from '../support/brokers';

describeWithBrokers('smoke: real Kafka broker', () => {
  const kafka = new Kafka({ clientId: 'smoke', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const groupId = uniqueName('smoke-group');
  const consumer = kafka.consumer({ groupId });
  const admin = kafka.admin();
  afterAll(async () => {
    await consumer.disconnect();
    await admin.disconnect();
  });

  it('produces, consumes in a group and commits one message', async () => {
    const topic = uniqueName('smoke');
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'hello kafka' }] });
    await producer.disconnect();

    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ value: string; offset: string }>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic: t, partition, message }) => {
          await consumer.commitOffsets([
            { topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() },
          ]);
          resolve({ value: message.value!.toString(), offset: message.offset });
        },
      });
    });
    expect(received).toEqual({ value: 'hello kafka', offset: '0' });

    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '1' })]);
  });
});
