// Exits 0 when the Kafka broker really serves: a topic can be created and a message round-trips
// through a consumer group. Address: EVENTBUS_KAFKA_BROKERS (default 127.0.0.1:9092).
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.env.EVENTBUS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const timeoutMs = Number(process.argv[2] ?? 15000);
const kafka = new Kafka({
  clientId: 'eventbus-readiness',
  brokers,
  logLevel: logLevel.NOTHING,
  retry: { retries: 2 },
  connectionTimeout: 2000,
});
const topic = '__eventbus_readiness';
const token = `ready-${process.pid}-${Date.now()}`;

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ value: token }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `__eventbus_readiness_${process.pid}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value?.toString() === token) resolve();
      },
    });
  });
  await consumer.disconnect();
}

const timer = setTimeout(() => process.exit(1), timeoutMs);
main().then(
  () => {
    clearTimeout(timer);
    process.exit(0);
  },
  () => process.exit(1),
);
