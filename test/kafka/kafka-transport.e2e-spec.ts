import { type Consumer, Kafka, type KafkaMessage, logLevel, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { TransportClosedError } from '../../libs/eventbus/src/errors/transport-closed.error';
import { DeadLetterHeaders } from '../../libs/eventbus/src/transports/dead-letter-headers';
import type { InboundMessage } from '../../libs/eventbus/src/transports/transport.port';
import { describeWithBrokers, KAFKA_BROKERS, uniqueName } from '../support/brokers';
import { Inbox } from '../support/inbox';
import { freePort } from '../support/processes';
import { sleep } from '../support/recorder';
import { committedOffsets, outbound, testAdmin, TransportFactory } from './kafka-test-kit';

const domain = (topic: string) => ({ topic, semantics: 'domain-event' as const });

describeWithBrokers('KafkaTransport on a real broker', () => {
  const admin = testAdmin();
  const transports = new TransportFactory();
  const topics: string[] = [];
  const groups: string[] = [];

  function topic(prefix: string): string {
    const name = uniqueName(prefix);
    topics.push(name, `${name}.dlq`);
    return name;
  }
  function group(prefix: string): string {
    const name = uniqueName(prefix);
    groups.push(name);
    return name;
  }
  /** Waits until the group's committed offset of each listed partition is the expected one. */
  async function expectCommitted(
    groupId: string,
    t: string,
    expected: Record<number, number>,
  ): Promise<void> {
    await vi.waitFor(
      async () => {
        const committed = await committedOffsets(admin, groupId, t);
        for (const [partition, offset] of Object.entries(expected)) {
          expect(committed.get(Number(partition))).toBe(offset);
        }
      },
      { timeout: 15_000, interval: 100 },
    );
  }

  beforeAll(() => admin.connect());
  afterEach(() => transports.closeAll());
  afterAll(async () => {
    await transports.closeAll();
    await admin.deleteGroups(groups).catch(() => undefined);
    const existing = new Set(await admin.listTopics());
    await admin.deleteTopics({ topics: topics.filter((t) => existing.has(t)) }).catch(() => undefined);
    await admin.disconnect();
  });

  it('round-trips key, value and headers; topics are isolated; two groups both receive everything', async () => {
    const orders = topic('kt-orders');
    const audit = topic('kt-audit');
    const { transport: publisher } = transports.create({ groupId: group('kt-pub'), numPartitions: 2 });
    for (let i = 0; i < 6; i++) {
      await publisher.publish(
        orders,
        outbound(`order-${i}`, `agg-${i % 3}`, { 'x-n': String(i), 'ce-type': 'Placed' }),
      );
    }
    for (let i = 0; i < 3; i++) await publisher.publish(audit, outbound(`audit-${i}`));

    for (const g of [group('kt-g1'), group('kt-g2')]) {
      const { transport } = transports.create({ groupId: g, numPartitions: 2 });
      const inbox = new Inbox((m) => void m.ack());
      await transport.consume([domain(orders), { topic: audit, semantics: 'raw' }], inbox.deliver);
      await inbox.waitFor(9);

      const byTopic = (t: string) => inbox.messages.filter((m) => m.topic === t);
      expect(
        byTopic(orders)
          .map((m) => m.value.toString())
          .sort(),
      ).toEqual(['order-0', 'order-1', 'order-2', 'order-3', 'order-4', 'order-5']);
      expect(
        byTopic(audit)
          .map((m) => m.value.toString())
          .sort(),
      ).toEqual(['audit-0', 'audit-1', 'audit-2']);
      for (const m of byTopic(orders)) {
        const i = Number(m.value.toString().slice('order-'.length));
        expect(m.key).toBe(`agg-${i % 3}`);
        expect(m.headers).toEqual({ 'x-n': String(i), 'ce-type': 'Placed' });
        expect(m.deliveryCount).toBe(1);
        expect([0, 1]).toContain(m.partition);
        expect(m.sequence).toBe(Number((m.raw as { offset: string }).offset));
      }
      for (const m of byTopic(audit)) expect(m.key).toBeUndefined();
      // Per key, messages arrive in publish order (one key lives on one partition).
      for (const key of ['agg-0', 'agg-1', 'agg-2']) {
        const values = byTopic(orders)
          .filter((m) => m.key === key)
          .map((m) => Number(m.value.toString().slice('order-'.length)));
        expect(values).toEqual([...values].sort((a, b) => a - b));
      }
    }
  });

  it('never commits past an unsettled message: the watermark waits for offset 0', async () => {
    const t = topic('kt-watermark');
    const groupId = group('kt-watermark');
    const { transport } = transports.create({ groupId, numPartitions: 1 });
    for (let i = 0; i < 10; i++) await transport.publish(t, outbound(`m-${i}`, `k-${i}`));

    const inbox = new Inbox();
    await transport.consume([domain(t)], inbox.deliver);
    const messages = await inbox.waitFor(10);
    expect(messages.map((m) => m.sequence)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    for (const m of messages.slice(1)) await m.ack();
    // The watermark (0) is committed once messages were delivered; it must stay there over many cycles.
    await expectCommitted(groupId, t, { 0: 0 });
    for (let cycle = 0; cycle < 6; cycle++) {
      await sleep(200);
      expect((await committedOffsets(admin, groupId, t)).get(0)).toBe(0);
    }

    await messages[0].ack();
    await expectCommitted(groupId, t, { 0: 10 });
  });

  it('dead-letters to <topic>.dlq with the original record and the dead-letter headers, then commits past it', async () => {
    const t = topic('kt-dlq');
    const groupId = group('kt-dlq');
    const { transport } = transports.create({ groupId, numPartitions: 1 });
    for (let i = 0; i < 3; i++) {
      await transport.publish(t, outbound(`m-${i}`, `agg-${i}`, { 'ce-id': `id-${i}` }));
    }
    const inbox = new Inbox();
    await transport.consume([domain(t)], inbox.deliver);
    const [first, poison, last] = await inbox.waitFor(3);
    await first.ack();
    await last.ack();
    await poison.deadLetter({ reason: 'boom: handler failed', attempts: 5 });
    // Settling again is a no-op.
    await poison.deadLetter({ reason: 'again', attempts: 6 });
    await poison.ack();
    await expectCommitted(groupId, t, { 0: 3 });

    const { transport: reader } = transports.create(
      { groupId: group('kt-dlq-reader'), numPartitions: 1 },
      false,
    );
    const dlq = new Inbox((m) => void m.ack());
    await reader.consume([domain(`${t}.dlq`)], dlq.deliver);
    await dlq.waitFor(1);
    await sleep(500);
    expect(dlq.messages).toHaveLength(1);
    const [dead] = dlq.messages;
    expect(dead.key).toBe('agg-1');
    expect(dead.value.toString()).toBe('m-1');
    expect(dead.headers).toMatchObject({
      'ce-id': 'id-1',
      [DeadLetterHeaders.originalTopic]: t,
      [DeadLetterHeaders.originalPartition]: '0',
      [DeadLetterHeaders.originalOffset]: '1',
      [DeadLetterHeaders.error]: 'boom: handler failed',
      [DeadLetterHeaders.attempts]: '5',
    });
    expect(Number.isNaN(Date.parse(dead.headers[DeadLetterHeaders.deadLetteredAt]))).toBe(false);
  });

  it('dead-letter copies keep the original headers byte for byte, binary and repeated ones included', async () => {
    const t = topic('kt-dlq-bytes');
    const { transport } = transports.create({ groupId: group('kt-dlq-bytes'), numPartitions: 1 });
    const inbox = new Inbox();
    await transport.consume([domain(t)], inbox.deliver);
    const binary = Buffer.from([0xff, 0x00, 0xfe]);
    const repeated = [Buffer.from('first'), Buffer.from([0x80, 0x81])];
    const kafka = new Kafka({ clientId: 'kt-dlq-bytes', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: t,
      messages: [{ key: 'agg-1', value: 'poison', headers: { 'x-bin': binary, 'x-repeated': repeated } }],
    });
    await producer.disconnect();
    const [poison] = await inbox.receive(1);
    await poison.deadLetter({ reason: 'boom', attempts: 2 });

    const reader = kafka.consumer({ groupId: group('kt-dlq-bytes-reader') });
    const copies: KafkaMessage[] = [];
    await reader.connect();
    try {
      await reader.subscribe({ topic: `${t}.dlq`, fromBeginning: true });
      await reader.run({ eachMessage: async ({ message }) => void copies.push(message) });
      await vi.waitFor(() => expect(copies).toHaveLength(1), { timeout: 20_000, interval: 50 });
    } finally {
      await reader.disconnect();
    }
    const [copy] = copies;
    expect(copy.value).toEqual(Buffer.from('poison'));
    expect(copy.headers!['x-bin']).toEqual(binary);
    expect(copy.headers!['x-repeated']).toEqual(repeated);
    expect(String(copy.headers![DeadLetterHeaders.originalTopic])).toBe(t);
  });

  it('acknowledges without writing when dead-lettering is off', async () => {
    const t = topic('kt-nodlq');
    const groupId = group('kt-nodlq');
    const { transport, logger } = transports.create({ groupId, numPartitions: 1 }, false);
    await transport.publish(t, outbound('poison'));
    const inbox = new Inbox();
    await transport.consume([domain(t)], inbox.deliver);
    const [message] = await inbox.waitFor(1);
    await message.deadLetter({ reason: 'bad input', attempts: 1 });
    await expectCommitted(groupId, t, { 0: 1 });
    expect(logger.entries.some((e) => e.level === 'warn' && e.message.includes('bad input'))).toBe(true);
    expect(await admin.listTopics()).not.toContain(`${t}.dlq`);
  });

  it('redelivers a released message to the next consumer of the group; acked ones before it are not', async () => {
    const t = topic('kt-release');
    const groupId = group('kt-release');
    const first = transports.create({ groupId, numPartitions: 1 }).transport;
    for (let i = 0; i < 5; i++) await first.publish(t, outbound(`m-${i}`));
    const inbox = new Inbox();
    await first.consume([domain(t)], inbox.deliver);
    const messages = await inbox.waitFor(5);
    await messages[0].ack();
    await messages[1].ack();
    messages[2].release();
    await messages[2].ack(); // after release: a no-op
    await messages[3].ack();
    await messages[4].ack();
    await first.close();
    expect((await committedOffsets(admin, groupId, t)).get(0)).toBe(2);

    const second = transports.create({ groupId, numPartitions: 1 }).transport;
    const again = new Inbox((m) => void m.ack());
    await second.consume([domain(t)], again.deliver);
    await again.waitFor(3);
    await sleep(500);
    // From the released one on: the acked 3 and 4 come again (at-least-once), 0 and 1 do not.
    expect(again.messages.map((m) => m.sequence)).toEqual([2, 3, 4]);
    expect(again.values()).toEqual(['m-2', 'm-3', 'm-4']);
    await expectCommitted(groupId, t, { 0: 5 });
  });

  it('pause stops delivery (also mid-batch) for longer than the session timeout; resume continues in order', async () => {
    const t = topic('kt-pause');
    const groupId = group('kt-pause');
    const { transport } = transports.create({ groupId, numPartitions: 1 });
    for (let i = 0; i < 10; i++) await transport.publish(t, outbound(`m-${i}`));
    // The core pauses when its buffer is full: here after the third message, from inside deliver().
    // Message 2 stays unsettled during the pause: losing the membership would deliver it again.
    const inbox = new Inbox((m, box) => {
      if (m.sequence !== 2) void m.ack();
      if (box.messages.length === 3) transport.pause();
    });
    await transport.consume([domain(t)], inbox.deliver);
    await inbox.waitFor(3);
    await sleep(7_000); // longer than the 6 s session timeout
    expect(inbox.messages).toHaveLength(3);

    transport.resume();
    await inbox.waitFor(10);
    await inbox.messages[2].ack();
    await expectCommitted(groupId, t, { 0: 10 });
    expect(inbox.messages.map((m) => m.sequence)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stopConsuming ends intake but settlements still commit; close commits and is safe to call concurrently', async () => {
    const t = topic('kt-stop');
    const groupId = group('kt-stop');
    const { transport } = transports.create({ groupId, numPartitions: 1, commitIntervalMs: 60_000 });
    for (let i = 0; i < 4; i++) await transport.publish(t, outbound(`m-${i}`));
    const inbox = new Inbox();
    await transport.consume([domain(t)], inbox.deliver);
    const messages = await inbox.waitFor(4);
    await transport.stopConsuming();
    await transport.publish(t, outbound('after-stop'));
    await sleep(1_000);
    expect(inbox.messages).toHaveLength(4);

    for (const m of messages) await m.ack();
    // The commit interval is long: only close() commits here.
    await Promise.all([transport.close(), transport.close()]);
    await transport.close();
    expect((await committedOffsets(admin, groupId, t)).get(0)).toBe(4);
    await expect(transport.publish(t, outbound('late'))).rejects.toThrow(/closed/);
  });

  it('after close, publish and connect reject at once with TransportClosedError and open no connection', async () => {
    const t = topic('kt-closed');
    const { transport: used } = transports.create({ groupId: group('kt-closed') });
    await used.publish(t, outbound('before'));
    const { transport: unused } = transports.create({ groupId: group('kt-closed-unused') });
    for (const transport of [used, unused]) {
      await transport.close();
      const connect = vi.spyOn((transport as unknown as { producer: Producer }).producer, 'connect');
      // Settled before the next turn of the event loop: nothing was attempted on the network.
      const nextTurn = new Promise((resolve) => setImmediate(() => resolve('still pending')));
      const settled = (promise: Promise<unknown>) =>
        Promise.race([
          promise.then(
            () => 'resolved',
            (error: unknown) => error,
          ),
          nextTurn,
        ]);
      const [published, connected] = await Promise.all([
        settled(transport.publish(t, outbound('late'))),
        settled(transport.connect()),
      ]);
      expect(published).toBeInstanceOf(TransportClosedError);
      expect(published).toMatchObject({ transport: 'kafka', operation: 'publish' });
      expect(connected).toBeInstanceOf(TransportClosedError);
      expect(connect).not.toHaveBeenCalled();
    }
  });

  it('a failed connect then close: nothing more is logged as a warning or error once close resolved', async () => {
    // Nothing listens there: the producer and the admin client each retry, and fail at slightly different times.
    const unreachable = [`127.0.0.1:${await freePort()}`];
    const { transport, logger } = transports.create({
      brokers: unreachable,
      groupId: group('kt-unreachable'),
      client: { retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 400 }, connectionTimeout: 200 },
    });
    await expect(transport.connect()).rejects.toMatchObject({ failure: 'unreachable' });
    await transport.close();
    const atClose = logger.warnings.length;
    expect(atClose).toBeGreaterThan(0); // the failed attempts were logged while connecting
    await sleep(3_000); // longer than the whole retry schedule
    expect(logger.warnings.slice(atClose)).toEqual([]);
  });

  it('a consumer restart that races close() never runs the consumer again', async () => {
    const t = topic('kt-restart-close');
    const { transport } = transports.create({ groupId: group('kt-restart-close'), numPartitions: 1 });
    await transport.publish(t, outbound('m'));
    const inbox = new Inbox((m) => void m.ack());
    await transport.consume([domain(t)], inbox.deliver);
    await inbox.waitFor(1);
    // What kafkajs leaves after a crash it does not restart from: a stopped consumer, and a CRASH event.
    const internals = transport as unknown as {
      consumer: Consumer;
      onCrash(error: Error, restartedByClient: boolean): void;
    };
    const consumer = internals.consumer;
    await consumer.stop();
    const run = vi.spyOn(consumer, 'run');
    // The restart (due after 1 s) gets as far as connecting; close() is called while it connects.
    const original = consumer.connect.bind(consumer);
    let began!: () => void;
    const restartBegan = new Promise<void>((resolve) => (began = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let connected: Promise<void> | undefined;
    vi.spyOn(consumer, 'connect').mockImplementation(() => {
      began();
      connected = gate.then(original);
      return connected;
    });
    internals.onCrash(new Error('simulated crash'), false);
    await restartBegan;
    const closed = transport.close();
    release();
    await closed;
    await connected!.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(run).not.toHaveBeenCalled();
  });

  it('keeps the partition while a handler runs longer than the session timeout', async () => {
    const t = topic('kt-slow');
    const groupId = group('kt-slow');
    const { transport } = transports.create({
      groupId,
      numPartitions: 1,
      sessionTimeout: 6_000,
      heartbeatInterval: 1_000,
    });
    await transport.publish(t, outbound('slow'));
    const inbox = new Inbox();
    await transport.consume([domain(t)], inbox.deliver);
    const [slow] = await inbox.waitFor(1);
    // The handler of `slow` "runs" 9 s, past the 6 s session timeout; later messages keep flowing meanwhile.
    for (let i = 0; i < 3; i++) await transport.publish(t, outbound(`next-${i}`));
    await inbox.waitFor(4);
    for (const m of inbox.messages.slice(1)) await m.ack();
    await sleep(9_000);
    await slow.ack();
    await expectCommitted(groupId, t, { 0: 4 });
    // Losing the membership would have redelivered `slow` from the committed offset.
    expect(inbox.values()).toEqual(['slow', 'next-0', 'next-1', 'next-2']);
  });

  it('rebalances to a second member mid-stream without loss and without committing revoked partitions', async () => {
    const t = topic('kt-rebalance');
    const groupId = group('kt-rebalance');
    const a = transports.create({ groupId, numPartitions: 4 }).transport;
    for (let i = 0; i < 40; i++) await a.publish(t, outbound(`b1-${i}`, `key-${i}`));

    // A alone owns all 4 partitions; it acks everything except the last message of each partition.
    const inboxA = new Inbox();
    await a.consume([domain(t)], inboxA.deliver);
    await inboxA.waitFor(40);
    const lastOf = new Map<number, InboundMessage>();
    for (const m of inboxA.messages) lastOf.set(m.partition!, m);
    expect([...lastOf.keys()].sort()).toEqual([0, 1, 2, 3]);
    const held = new Set(lastOf.values());
    for (const m of inboxA.messages) if (!held.has(m)) await m.ack();
    const heldOffset = Object.fromEntries([...lastOf].map(([p, m]) => [p, m.sequence]));
    await expectCommitted(groupId, t, heldOffset);

    // B joins: the group rebalances; B gets two partitions and receives their held messages again.
    const b = transports.create({ groupId, numPartitions: 4 }).transport;
    const inboxB = new Inbox();
    await b.consume([domain(t)], inboxB.deliver);
    await inboxB.waitFor(2);
    const partitionsOfB = new Set(inboxB.messages.map((m) => m.partition!));
    expect(partitionsOfB.size).toBe(2);
    for (const m of inboxB.messages) expect(m.sequence).toBe(heldOffset[m.partition!]);
    const partitionsOfA = [0, 1, 2, 3].filter((p) => !partitionsOfB.has(p));
    // A continues its kept partitions after what it already has: nothing comes to A twice.
    expect(inboxA.messages).toHaveLength(40);

    // A settles its held messages late. Only the partitions A still owns may commit; B does not settle
    // the redelivered ones, so B's partitions must stay where they were.
    for (const m of held) await m.ack();
    await expectCommitted(groupId, t, Object.fromEntries(partitionsOfA.map((p) => [p, heldOffset[p] + 1])));
    await sleep(1_000);
    const afterLateAcks = await committedOffsets(admin, groupId, t);
    for (const p of partitionsOfB) expect(afterLateAcks.get(p)).toBe(heldOffset[p]);

    // More traffic: together A and B receive every new message, each only from its own partitions.
    const beforeA = inboxA.messages.length;
    const beforeB = inboxB.messages.length;
    for (let i = 0; i < 40; i++) await a.publish(t, outbound(`b2-${i}`, `key-${i}`));
    await vi.waitFor(
      () => expect(inboxA.messages.length - beforeA + inboxB.messages.length - beforeB).toBe(40),
      { timeout: 20_000, interval: 50 },
    );
    const newA = inboxA.messages.slice(beforeA);
    const newB = inboxB.messages.slice(beforeB);
    expect([...newA, ...newB].map((m) => m.value.toString()).sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => `b2-${i}`).sort(),
    );
    for (const m of newA) expect(partitionsOfA).toContain(m.partition);
    for (const m of newB) expect(partitionsOfB.has(m.partition!)).toBe(true);
    for (const m of [...newA, ...newB]) await m.ack();
    await expectCommitted(
      groupId,
      t,
      Object.fromEntries(partitionsOfA.map((p) => [p, lastOffsetOf(newA, p)])),
    );

    await Promise.all([a.close(), b.close()]);

    // C reads the group from its committed offsets: on B's partitions everything from the unsettled held
    // message on comes again; A's partitions were fully settled and bring nothing.
    const expected = [...inboxA.messages.slice(0, 40), ...newB]
      .filter((m) => partitionsOfB.has(m.partition!) && m.sequence >= heldOffset[m.partition!])
      .map((m) => `${m.partition}:${m.sequence}:${m.value.toString()}`)
      .sort();
    expect(expected.length).toBeGreaterThan(2);
    const c = transports.create({ groupId, numPartitions: 4 }).transport;
    const inboxC = new Inbox((m) => void m.ack());
    await c.consume([domain(t)], inboxC.deliver);
    await inboxC.waitFor(expected.length);
    await sleep(1_000);
    expect(inboxC.messages.map((m) => `${m.partition}:${m.sequence}:${m.value.toString()}`).sort()).toEqual(
      expected,
    );
  });
});

/** The offset after the last message of one partition among `messages`. */
function lastOffsetOf(messages: InboundMessage[], partition: number): number {
  return Math.max(...messages.filter((m) => m.partition === partition).map((m) => m.sequence)) + 1;
}
