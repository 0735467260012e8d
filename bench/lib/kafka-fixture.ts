import { Kafka, logLevel } from 'kafkajs';
import { eventBatches, type EventShape } from './bench-event';
import { nowMs } from './clock';

const PARTITIONS = 3;
/** Events per produce request; order within one request is kept per partition. */
const SEND_SIZE = 5_000;

function client(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'bench-fixture', brokers, logLevel: logLevel.ERROR });
}

/** Creates `topic` with 3 partitions. */
export async function createKafkaTopic(brokers: string[], topic: string): Promise<void> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Publishes the data set as plain JSON `BenchEvent`s, key = aggregate id, acks from all replicas,
 * produce requests one after another so every aggregate's versions land in publish order.
 */
export async function publishKafkaPlain(brokers: string[], topic: string, shape: EventShape): Promise<void> {
  const producer = client(brokers).producer();
  await producer.connect();
  try {
    let pending: { key: string; value: string }[] = [];
    const flush = async () => {
      if (pending.length) await producer.send({ topic, acks: -1, messages: pending });
      pending = [];
    };
    for (const batch of eventBatches(shape)) {
      const publishedAt = nowMs();
      for (const event of batch) {
        pending.push({ key: event.aggregateId, value: JSON.stringify({ ...event, publishedAt }) });
      }
      if (pending.length >= SEND_SIZE) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
}

/**
 * Deletes the topics whose names start with `topic` (its dead-letter topic too; none when `topic` is
 * undefined) and groups starting with `group`.
 */
export async function removeKafkaResources(
  brokers: string[],
  topic: string | undefined,
  group: string,
): Promise<void> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(group));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    if (topic === undefined) return;
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(topic));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
