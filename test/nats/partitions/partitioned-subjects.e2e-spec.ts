import type { JsMsg } from '@nats-io/jetstream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { partitionOf } from '../../../libs/eventbus/src/transports/nats/partitions/fnv1a32';
import type { NatsTransport } from '../../../libs/eventbus/src/transports/nats/nats.transport';
import { describeWithBrokers } from '../../support/brokers';
import { Inbox } from '../../support/inbox';
import { JetStreamProbe, natsTransport, uniqueStream } from '../nats-test-kit';

const PARTITIONS = 3;
const body = (text: string) => Buffer.from(text);

describeWithBrokers('NATS JetStream with nats.partitions on (one instance)', () => {
  let probe: JetStreamProbe;
  const streams: string[] = [];
  const transports: NatsTransport[] = [];

  beforeAll(async () => {
    probe = await JetStreamProbe.open();
  });
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await probe?.close(streams);
  });

  it('publishes to <subject>.<fnv1a32(key) % N>, captures <subject>.* with the dead-letter subject, dead-letters to <subject>.dlq', async () => {
    const stream = uniqueStream('NT_PART');
    streams.push(stream);
    const orders = `${stream}.orders`;
    const setup = { stream, partitions: PARTITIONS, leaseTtlMs: 3_000, ackWaitMs: 2_000 };
    const publisher = natsTransport({ ...setup, durable: 'publisher' });
    const consumer = natsTransport({ ...setup, durable: 'svc' });
    transports.push(publisher, consumer);

    const keys = ['order-1', 'order-2', 'order-3', 'order-4', 'order-5', 'order-6'];
    for (const key of keys) {
      for (const n of [1, 2])
        await publisher.publish(orders, { key, value: body(`${key}/${n}`), headers: {} });
    }
    await publisher.publish(orders, { value: body('no key 1'), headers: {} });
    await publisher.publish(orders, { value: body('no key 2'), headers: {} });
    const info = await probe.jsm.streams.info(stream);
    expect(info.config.subjects).toEqual([`${orders}.*`]);
    for (const p of [0, 1, 2]) {
      const expected = keys.filter((k) => partitionOf(k, PARTITIONS) === p).length * 2;
      expect(await probe.subjectCount(stream, `${orders}.${p}`), `partition ${p}`).toBeGreaterThanOrEqual(
        expected,
      );
    }

    const inbox = new Inbox();
    await consumer.consume([{ topic: orders, semantics: 'domain-event' }], inbox.deliver);
    const received = await inbox.receive(keys.length * 2 + 2);
    for (const message of received) {
      const subject = (message.raw as JsMsg).subject;
      expect(message.topic).toBe(orders);
      if (message.key) expect(subject).toBe(`${orders}.${partitionOf(message.key, PARTITIONS)}`);
    }
    // Per key, publish order holds.
    for (const key of keys) {
      expect(received.filter((m) => m.key === key).map((m) => m.value.toString())).toEqual([
        `${key}/1`,
        `${key}/2`,
      ]);
    }
    // Keyless messages are spread round-robin over the partitions.
    const keyless = received.filter((m) => m.key === undefined).map((m) => (m.raw as JsMsg).subject);
    expect(new Set(keyless).size).toBe(2);

    const poison = received.find((m) => m.key === 'order-1')!;
    await poison.deadLetter({ reason: 'poison', attempts: 5 });
    for (const message of received) if (message !== poison) await message.ack();
    expect(await probe.subjectCount(stream, `${orders}.dlq`)).toBe(1);
    expect((await probe.jsm.streams.info(stream)).config.subjects).toEqual([`${orders}.*`]);
    // The only instance owns every partition; lag is reported per partition.
    const lag = await consumer.lag();
    expect(lag.map((sample) => [sample.topic, sample.partition]).sort()).toEqual([
      [orders, '0'],
      [orders, '1'],
      [orders, '2'],
    ]);
  });
});
