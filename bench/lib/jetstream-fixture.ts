import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { eventBatches, type EventShape } from './bench-event';
import { nowMs } from './clock';

async function withConnection<T>(servers: string, use: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers });
  try {
    return await use(nc);
  } finally {
    await nc.close();
  }
}

/** The durable pull consumer every plain contender reads through: explicit ack, from the first message. */
function addDurable(jsm: JetStreamManager, stream: string, durable: string) {
  return jsm.consumers.add(stream, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
  });
}

/** Adds a plain contender's durable pull consumer `durable` to an existing `stream`. */
export async function addJetStreamDurable(servers: string, stream: string, durable: string): Promise<void> {
  await withConnection(
    servers,
    async (nc) => void (await addDurable(await jetstreamManager(nc), stream, durable)),
  );
}

/**
 * Creates a file-backed stream holding `subject`, a plain contender's durable pull consumer `durable` and
 * publishes the data set as plain JSON `BenchEvent`s, each batch awaited before the next so every aggregate's
 * versions are stored in publish order.
 */
export async function prepareJetStreamPlain(
  servers: string,
  stream: string,
  subject: string,
  durable: string,
  shape: EventShape,
): Promise<void> {
  await withConnection(servers, async (nc) => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File });
    await addDurable(jsm, stream, durable);
    const js = jetstream(nc);
    for (const batch of eventBatches(shape)) {
      const publishedAt = nowMs();
      await Promise.all(batch.map((event) => js.publish(subject, JSON.stringify({ ...event, publishedAt }))));
    }
  });
}

/** Deletes the stream (and with it its consumers); a stream that does not exist is fine. */
export async function removeJetStream(servers: string, stream: string): Promise<void> {
  await withConnection(servers, async (nc) => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => undefined);
  });
}
