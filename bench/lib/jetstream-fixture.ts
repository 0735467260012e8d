import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
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

/** Adds the durable pull consumer `durable` to `stream`: explicit ack, from the first message, client defaults. */
export async function addJetStreamDurable(servers: string, stream: string, durable: string): Promise<void> {
  await withConnection(servers, async (nc) => {
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
    });
  });
}

/**
 * Creates a file-backed stream holding `subject`, a durable pull consumer `durable` (`addJetStreamDurable`)
 * and publishes the data set as plain JSON `BenchEvent`s, each batch awaited before the next so every
 * aggregate's versions are stored in publish order.
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
  });
  await addJetStreamDurable(servers, stream, durable);
  await withConnection(servers, async (nc) => {
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
