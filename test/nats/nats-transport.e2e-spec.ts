import { AckPolicy, DiscardPolicy, jetstream, type JsMsg } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DeadLetterHeaders } from '../../libs/eventbus/src/transports/dead-letter-headers';
import { natsConsumerName } from '../../libs/eventbus/src/transports/nats/nats-consumer-name';
import { headerBlock, NatsHeaders } from '../../libs/eventbus/src/transports/nats/nats-headers';
import { NatsProvisioningError } from '../../libs/eventbus/src/transports/nats/nats-provisioning.error';
import type { NatsTransport } from '../../libs/eventbus/src/transports/nats/nats.transport';
import { describeWithBrokers, NATS_SERVERS } from '../support/brokers';
import { Inbox } from '../support/inbox';
import { sleep, waitFor } from '../support/recorder';
import { JetStreamProbe, natsTransport, uniqueStream } from './nats-test-kit';

const body = (text: string) => Buffer.from(text);

describeWithBrokers('NATS JetStream transport on the real server', () => {
  let probe: JetStreamProbe;
  const streams: string[] = [];
  const transports: NatsTransport[] = [];
  const newStream = (prefix: string) => {
    const stream = uniqueStream(prefix);
    streams.push(stream);
    return stream;
  };
  const open = (setup: Parameters<typeof natsTransport>[0]) => {
    const transport = natsTransport(setup);
    transports.push(transport);
    return transport;
  };

  beforeAll(async () => {
    probe = await JetStreamProbe.open();
  });
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await probe?.close(streams);
  });

  it('publishes and consumes with key and headers, keeps subjects apart, serves two durables, de-duplicates ids', async () => {
    const stream = newStream('NT_PUBSUB');
    const orders = `${stream}.orders`;
    const audit = `${stream}.audit`;
    const publisher = open({ stream, durable: 'publisher' });
    await publisher.connect();
    for (let i = 1; i <= 3; i++) {
      await publisher.publish(orders, {
        key: 'order-42',
        value: body(`order ${i}`),
        headers: { 'ce-type': 'OrderPlaced', 'x-n': String(i) },
        id: `order-id-${i}`,
      });
    }
    await publisher.publish(audit, { value: body('audit 1'), headers: {} });
    await publisher.publish(orders, {
      key: 'order-42',
      value: body('order 1 again'),
      headers: {},
      id: 'order-id-1',
    });
    expect(await probe.subjectCount(stream, orders)).toBe(3);
    expect(await probe.subjectCount(stream, audit)).toBe(1);

    const ordersOnly = new Inbox();
    const a = open({ stream, durable: 'svc-a' });
    await a.consume([{ topic: orders, semantics: 'domain-event' }], ordersOnly.deliver);
    const both = new Inbox();
    const b = open({ stream, durable: 'svc-b' });
    await b.consume(
      [
        { topic: orders, semantics: 'domain-event' },
        { topic: audit, semantics: 'raw' },
      ],
      both.deliver,
    );

    const received = await ordersOnly.receive(3);
    expect(received.map((m) => m.value.toString())).toEqual(['order 1', 'order 2', 'order 3']);
    expect(received.map((m) => m.topic)).toEqual([orders, orders, orders]);
    expect(received.map((m) => m.key)).toEqual(['order-42', 'order-42', 'order-42']);
    expect(received.map((m) => m.headers)).toEqual(
      [1, 2, 3].map((n) => ({ 'ce-type': 'OrderPlaced', 'x-n': `${n}` })),
    );
    // Read from the message's bytes, not through nats.js MsgHdrs: this nats.js exposes the header block.
    expect(headerBlock(received[0].raw as JsMsg)?.byteLength).toBeGreaterThan(0);
    expect(received.map((m) => m.deliveryCount)).toEqual([1, 1, 1]);
    const sequences = received.map((m) => m.sequence);
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    await Promise.all(received.map((m) => m.ack()));

    const all = await both.receive(4);
    expect(all.map((m) => m.value.toString()).sort()).toEqual(['audit 1', 'order 1', 'order 2', 'order 3']);
    const auditMessage = all.find((m) => m.topic === audit)!;
    expect(auditMessage.key).toBeUndefined();
    expect(auditMessage.headers).toEqual({});
    await Promise.all(all.map((m) => m.ack()));

    await Promise.all([a.close(), b.close(), publisher.close()]);
    expect(ordersOnly.messages).toHaveLength(3);
    expect(ordersOnly.messages.every((m) => m.topic === orders)).toBe(true);
    expect(both.messages).toHaveLength(4);
    for (const [durable, subject] of [
      ['svc-a', orders],
      ['svc-b', orders],
      ['svc-b', audit],
    ]) {
      const info = await probe.settledConsumer(stream, natsConsumerName(durable, subject));
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_pending).toBe(0);
      expect(info.config.filter_subject).toBe(subject);
    }
  });

  it('dead-letters to <subject>.dlq with headers, confirmed, then terminates; a failed write leaves it unsettled', async () => {
    const stream = newStream('NT_DLQ');
    const subject = `${stream}.payments`;
    const dlq = `${subject}.dlq`;
    const transport = open({ stream, durable: 'svc' });
    const inbox = new Inbox();
    await transport.consume([{ topic: subject, semantics: 'domain-event' }], inbox.deliver);
    await transport.publish(subject, {
      key: 'payment-7',
      value: body('poison'),
      headers: { 'ce-id': 'evt-1' },
      id: 'evt-1',
    });
    const [message] = await inbox.receive(1);

    // The stream refuses new messages: the dead-letter write fails and nothing is settled.
    const stored = (await probe.jsm.streams.info(stream)).state.messages;
    await probe.jsm.streams.update(stream, { max_msgs: stored, discard: DiscardPolicy.New });
    await expect(message.deadLetter({ reason: 'first try', attempts: 5 })).rejects.toThrow();
    expect((await probe.consumer(stream, natsConsumerName('svc', subject))).num_ack_pending).toBe(1);

    await probe.jsm.streams.update(stream, { max_msgs: -1, discard: DiscardPolicy.Old });
    await message.deadLetter({ reason: 'handler failed\n  at stack line', attempts: 5 });
    await message.deadLetter({ reason: 'settled twice', attempts: 6 });
    await message.ack();

    const copy = await probe.jsm.streams.getMessage(stream, { last_by_subj: dlq });
    expect(copy?.string()).toBe('poison');
    const headers = copy!.header;
    expect(headers.get('ce-id')).toBe('evt-1');
    expect(headers.get(NatsHeaders.key)).toBe('payment-7');
    expect(headers.get(DeadLetterHeaders.originalTopic)).toBe(subject);
    expect(headers.get(DeadLetterHeaders.originalOffset)).toBe(String(message.sequence));
    expect(headers.get(DeadLetterHeaders.error)).toBe('handler failed   at stack line');
    expect(headers.get(DeadLetterHeaders.attempts)).toBe('5');
    expect(headers.get(DeadLetterHeaders.deadLetteredAt)).not.toBe('');
    expect(await probe.subjectCount(stream, dlq)).toBe(1);

    await transport.close();
    const info = await probe.settledConsumer(stream, natsConsumerName('svc', subject));
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
    expect(info.ack_floor.stream_seq).toBe(message.sequence);
    expect(inbox.messages).toHaveLength(1);
  });

  it('gives released and unsettled messages back at shutdown: the next transport gets them first, in order', async () => {
    const stream = newStream('NT_RELEASE');
    const subject = `${stream}.orders`;
    const first = open({ stream, durable: 'svc' });
    const inbox = new Inbox();
    await first.consume([{ topic: subject, semantics: 'domain-event' }], inbox.deliver);
    for (let n = 1; n <= 6; n++)
      await first.publish(subject, { key: 'o', value: body(`m${n}`), headers: {} });
    const [m1, m2, m3, m4, m5, m6] = await inbox.receive(6);

    await m1.ack();
    await first.stopConsuming();
    await m3.ack(); // settlements still count after intake stopped
    for (const m of [m6, m5, m2]) m.release();
    m4.release();
    m4.release(); // settling twice is a no-op
    await m4.ack();
    await Promise.all([first.close(), first.close()]);
    expect(
      (
        await probe.settledConsumer(
          stream,
          natsConsumerName('svc', subject),
          (i) => i.ack_floor.stream_seq >= m1.sequence,
        )
      ).ack_floor.stream_seq,
    ).toBe(m1.sequence);

    const publisher = open({ stream, durable: 'publisher' });
    await publisher.publish(subject, { key: 'o', value: body('m7'), headers: {} });
    const second = open({ stream, durable: 'svc' });
    const again = new Inbox();
    await second.consume([{ topic: subject, semantics: 'domain-event' }], again.deliver);
    const redelivered = await again.receive(5);
    expect(redelivered.map((m) => m.value.toString())).toEqual(['m2', 'm4', 'm5', 'm6', 'm7']);
    expect(redelivered.map((m) => m.sequence)).toEqual([m2, m4, m5, m6].map((m) => m.sequence).concat(7));
    expect(redelivered.map((m) => m.deliveryCount)).toEqual([2, 2, 2, 2, 1]);
    await Promise.all(redelivered.map((m) => m.ack()));
    await second.close();
    expect(again.messages).toHaveLength(5);
    const info = await probe.settledConsumer(stream, natsConsumerName('svc', subject));
    expect(info.num_ack_pending).toBe(0);
    expect(info.ack_floor.stream_seq).toBe(7);
  });

  it('redelivers a message released while consuming', async () => {
    const stream = newStream('NT_RELEASE_LIVE');
    const subject = `${stream}.orders`;
    const transport = open({ stream, durable: 'svc' });
    const inbox = new Inbox();
    await transport.consume([{ topic: subject, semantics: 'domain-event' }], inbox.deliver);
    await transport.publish(subject, { value: body('given back'), headers: {} });
    const [first] = await inbox.receive(1);
    first.release();
    const [, second] = await inbox.receive(2);
    expect(second.sequence).toBe(first.sequence);
    expect(second.deliveryCount).toBe(2);
    await second.ack();
    await transport.close();
    expect((await probe.settledConsumer(stream, natsConsumerName('svc', subject))).num_ack_pending).toBe(0);
  });

  it('takes over what a crashed consumer left unacknowledged before any newer message', async () => {
    const stream = newStream('NT_TAKEOVER');
    const subject = `${stream}.orders`;
    const name = natsConsumerName('svc', subject);
    const publisher = open({ stream, durable: 'publisher' });
    for (let n = 1; n <= 10; n++)
      await publisher.publish(subject, { key: 'o', value: body(`m${n}`), headers: {} });
    await probe.jsm.consumers.add(stream, {
      durable_name: name,
      filter_subject: subject,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(2_000),
      max_ack_pending: 100,
    });
    // Another instance takes m1..m6 and dies without acknowledging them.
    const crashed = await connect({ servers: NATS_SERVERS });
    const taken = await (await jetstream(crashed).consumers.get(stream, name)).fetch({ max_messages: 6 });
    let count = 0;
    for await (const _ of taken) if (++count === 6) break;
    await crashed.close();

    const transport = open({ stream, durable: 'svc', ackWaitMs: 2_000 });
    const inbox = new Inbox();
    await transport.consume([{ topic: subject, semantics: 'domain-event' }], inbox.deliver);
    const all = await inbox.receive(10);
    expect(all.map((m) => m.value.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 1}`));
    expect(all.map((m) => m.deliveryCount)).toEqual([2, 2, 2, 2, 2, 2, 1, 1, 1, 1]);
    await Promise.all(all.map((m) => m.ack()));
    await transport.close();
    expect(inbox.messages).toHaveLength(10);
    expect((await probe.settledConsumer(stream, name)).num_ack_pending).toBe(0);
  });

  it('keeps a message held past ack_wait alive with working(): not redelivered, then acked', async () => {
    const stream = newStream('NT_KEEPALIVE');
    const subject = `${stream}.slow`;
    // Held for 2.5 ack_wait windows; a keep-alive every 667 ms leaves room for a busy test process.
    const transport = open({ stream, durable: 'svc', ackWaitMs: 2_000 });
    const inbox = new Inbox();
    await transport.consume([{ topic: subject, semantics: 'domain-event' }], inbox.deliver);
    await transport.publish(subject, { key: 'k', value: body('slow'), headers: {} });
    await transport.publish(subject, { key: 'k', value: body('waiting behind it'), headers: {} });
    const [slow, waiting] = await inbox.receive(2);

    await sleep(5_000);
    const held = await probe.consumer(stream, natsConsumerName('svc', subject));
    expect(held.num_ack_pending).toBe(2);
    expect(held.num_redelivered).toBe(0);
    expect(inbox.messages).toHaveLength(2);

    await slow.ack();
    await waiting.ack();
    await transport.close();
    const info = await probe.settledConsumer(stream, natsConsumerName('svc', subject));
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
    expect(info.delivered.consumer_seq).toBe(2);
  });

  it('does not hand the core a second copy when the server redelivers a held or an acked message', async () => {
    const stream = newStream('NT_DUPES');
    const subject = `${stream}.busy`;
    const transport = open({ stream, durable: 'svc', ackWaitMs: 1_000 });
    const inbox = new Inbox();
    await transport.consume([{ topic: subject, semantics: 'domain-event' }], inbox.deliver);
    await transport.publish(subject, { value: body('held'), headers: {} });
    await transport.publish(subject, { value: body('acked'), headers: {} });
    const [held, acked] = await inbox.receive(2);

    // A CPU-bound stretch blocks the keep-alive longer than ack_wait: the server redelivers both.
    blockEventLoop(2_500);
    await acked.ack();
    const name = natsConsumerName('svc', subject);
    await waitFor(
      async () => (await probe.consumer(stream, name)).delivered.consumer_seq >= 4,
      () => 'consumer delivered 4',
      10_000,
    );
    await held.ack();
    await transport.close();

    expect(inbox.messages.map((m) => m.value.toString())).toEqual(['held', 'acked']);
    const info = await probe.settledConsumer(stream, name);
    expect(info.num_redelivered).toBe(0);
    expect(info.num_ack_pending).toBe(0);
    expect(info.ack_floor.stream_seq).toBe(acked.sequence);
  });

  it('stops pulling while paused (messages already on the wire are parked) and delivers in order on resume', async () => {
    const stream = newStream('NT_PAUSE');
    const subject = `${stream}.orders`;
    const transport = open({ stream, durable: 'svc', maxBuffered: 10 });
    for (let n = 1; n <= 30; n++)
      await transport.publish(subject, { key: 'k', value: body(`m${n}`), headers: {} });
    const inbox = new Inbox();
    let resumed = false;
    await transport.consume([{ topic: subject, semantics: 'domain-event' }], (message) => {
      inbox.deliver(message);
      if (resumed) void message.ack();
      else if (inbox.messages.length === 5) transport.pause(); // the core's buffer is full
    });
    const firstFive = await inbox.receive(5);
    const name = natsConsumerName('svc', subject);
    await waitFor(
      async () => (await probe.consumer(stream, name)).num_waiting === 0,
      () => 'pull requests',
      15_000,
    );
    await Promise.all(firstFive.map((m) => m.ack()));
    await sleep(1_000);
    expect(inbox.messages).toHaveLength(5);
    const paused = await probe.consumer(stream, name);
    expect(paused.num_waiting).toBe(0);
    expect(paused.num_ack_pending).toBeLessThanOrEqual(10);

    resumed = true;
    transport.resume();
    const all = await inbox.receive(30);
    await transport.close();
    expect(all.map((m) => m.value.toString())).toEqual(Array.from({ length: 30 }, (_, i) => `m${i + 1}`));
    expect(inbox.messages).toHaveLength(30);
    const info = await probe.settledConsumer(stream, name);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
  });

  it('loses nothing on the wire when pausing while the server is sending: no redelivery, order kept', async () => {
    const stream = newStream('NT_PAUSE_BUSY');
    const subject = `${stream}.orders`;
    const transport = open({ stream, durable: 'svc', maxBuffered: 1_000 });
    const total = 2_000;
    for (let from = 1; from <= total; from += 200) {
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          transport.publish(subject, { key: 'k', value: body(`m${from + i}`), headers: {} }),
        ),
      );
    }
    const inbox = new Inbox();
    const pauses: Promise<void>[] = [];
    await transport.consume([{ topic: subject, semantics: 'domain-event' }], (message) => {
      inbox.deliver(message);
      void message.ack();
      if (inbox.messages.length % 150 === 1) {
        // The core's buffer is full for a moment, while the server is still sending.
        transport.pause();
        pauses.push(sleep(100).then(() => transport.resume()));
      }
    });
    // ack_wait is 30 s: a message lost on the wire would come back only after it.
    const all = await inbox.receive(total, 15_000);
    await Promise.all(pauses);
    await transport.close();
    expect(pauses.length).toBeGreaterThan(10);
    expect(all.map((m) => m.value.toString())).toEqual(Array.from({ length: total }, (_, i) => `m${i + 1}`));
    expect(all.every((m) => m.deliveryCount === 1)).toBe(true);
    const info = await probe.settledConsumer(stream, natsConsumerName('svc', subject));
    expect(info.num_redelivered).toBe(0);
    expect(info.num_ack_pending).toBe(0);
  });

  it('re-creates a consumer deleted under it and keeps consuming, without handing over what it already acked', async () => {
    const stream = newStream('NT_RECREATE');
    const subject = `${stream}.orders`;
    const transport = open({ stream, durable: 'svc' });
    const inbox = new Inbox();
    await transport.consume([{ topic: subject, semantics: 'domain-event' }], (message) => {
      inbox.deliver(message);
      void message.ack();
    });
    await transport.publish(subject, { value: body('before'), headers: {} });
    await inbox.receive(1);

    await probe.jsm.consumers.delete(stream, natsConsumerName('svc', subject));
    await transport.publish(subject, { value: body('after'), headers: {} });
    await inbox.receive(2);
    await transport.close();
    // The new consumer starts from the stream's first message again; the ack of "before" is remembered.
    expect(inbox.messages.map((m) => m.value.toString())).toEqual(['before', 'after']);
    const info = await probe.settledConsumer(stream, natsConsumerName('svc', subject));
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });

  it('adds a subject back to the stream when it was taken out after it was provisioned', async () => {
    const stream = newStream('NT_HEAL');
    const subject = `${stream}.orders`;
    const transport = open({ stream, durable: 'svc' });
    await transport.publish(subject, { value: body('first'), headers: {} });
    await probe.jsm.streams.update(stream, { subjects: [`${stream}.other`] });
    await transport.publish(subject, { value: body('second'), headers: {} });
    expect(await probe.subjectCount(stream, subject)).toBe(2);
    expect((await probe.jsm.streams.info(stream)).config.subjects).toContain(subject);
    await transport.close();
  });

  it('fails a consume cleanly when a later subject cannot start: the loops of earlier subjects stop pulling', async () => {
    const stream = newStream('NT_PARTIAL');
    const first = `${stream}.first`;
    const second = `${stream}.second`;
    const transport = open({ stream, durable: 'svc' });
    await transport.publish(first, { value: body('waiting'), headers: {} });
    // A consumer under the name the second subject needs, filtering something else: it is refused.
    await probe.jsm.streams.update(stream, {
      subjects: [first, `${first}.dlq`, second, `${second}.dlq`, `${stream}.x`],
    });
    await probe.jsm.consumers.add(stream, {
      durable_name: natsConsumerName('svc', second),
      filter_subject: `${stream}.x`,
      ack_policy: AckPolicy.Explicit,
    });
    const inbox = new Inbox();
    const consuming = transport.consume(
      [
        { topic: first, semantics: 'domain-event' },
        { topic: second, semantics: 'domain-event' },
      ],
      inbox.deliver,
    );
    await expect(consuming).rejects.toBeInstanceOf(NatsProvisioningError);

    await sleep(1_500);
    const firstName = natsConsumerName('svc', first);
    const idle = await probe.consumer(stream, firstName);
    expect(idle.num_waiting).toBe(0);
    expect(idle.delivered.stream_seq).toBe(0);
    expect(inbox.messages).toHaveLength(0);

    // Once the conflict is gone, the same consume works and the message was there all along.
    await probe.jsm.consumers.delete(stream, natsConsumerName('svc', second));
    await transport.consume(
      [
        { topic: first, semantics: 'domain-event' },
        { topic: second, semantics: 'domain-event' },
      ],
      inbox.deliver,
    );
    const [message] = await inbox.receive(1);
    expect(message.value.toString()).toBe('waiting');
    await message.ack();
    await transport.close();
    expect(inbox.messages).toHaveLength(1);
    expect((await probe.settledConsumer(stream, firstName)).num_ack_pending).toBe(0);
  });

  it('with provisioning off, fails clearly when the stream or the consumer does not exist', async () => {
    const stream = newStream('NT_NOPROV');
    const subject = `${stream}.x`;
    const missing = open({ stream, durable: 'svc', provision: false });
    await expect(missing.connect()).rejects.toBeInstanceOf(NatsProvisioningError);

    await probe.jsm.streams.add({ name: stream, subjects: [subject, `${subject}.dlq`] });
    const transport = open({ stream, durable: 'svc', provision: false });
    await transport.publish(subject, { value: body('x'), headers: {} });
    await expect(transport.publish(`${stream}.elsewhere`, { value: body('x'), headers: {} })).rejects.toThrow(
      /does not capture/,
    );
    const consuming = transport.consume([{ topic: subject, semantics: 'raw' }], () => undefined);
    await expect(consuming).rejects.toThrow(/does not exist/);
    await transport.close();
  });
});

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: timers and sockets wait
  }
}
