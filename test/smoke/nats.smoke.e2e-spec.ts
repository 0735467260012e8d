import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, expect, it } from 'vitest';
import { describeWithBrokers, NATS_SERVERS, uniqueName } from '../support/brokers';

describeWithBrokers('smoke: real nats-server with JetStream', () => {
  let nc: NatsConnection | undefined;
  const stream = uniqueName('SMOKE').replace(/-/g, '_');
  afterAll(async () => {
    if (!nc) return;
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  it('publishes to a stream and consumes with a durable pull consumer and ack', async () => {
    nc = await connect({ servers: NATS_SERVERS });
    const jsm = await jetstreamManager(nc);
    const subject = `${stream}.hello`;
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    await jsm.consumers.add(stream, { durable_name: 'smoke', ack_policy: AckPolicy.Explicit });

    const js = jetstream(nc);
    const ack = await js.publish(subject, 'hello nats', { msgID: 'smoke-1' });
    expect(ack.seq).toBe(1);

    const consumer = await js.consumers.get(stream, 'smoke');
    const msg = await consumer.next({ expires: 5000 });
    expect(msg?.string()).toBe('hello nats');
    await msg!.ackAck();

    const info = await jsm.consumers.info(stream, 'smoke');
    expect(info.num_ack_pending).toBe(0);
    expect(info.delivered.stream_seq).toBe(1);
  });
});
