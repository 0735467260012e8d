import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InboundMessage } from '../../libs/eventbus/src/transports/transport.port';
import { natsConsumerName } from '../../libs/eventbus/src/transports/nats/nats-consumer-name';
import type { NatsTransport } from '../../libs/eventbus/src/transports/nats/nats.transport';
import { describeWithBrokers } from '../support/brokers';
import { RecordingLogger } from '../support/recording-logger';
import { sleep, waitFor } from '../support/recorder';
import { JetStreamProbe, natsTransport, uniqueStream } from './nats-test-kit';
import { OwnNatsServer } from './own-nats-server';

const BEFORE = 150;
const AFTER = 20;

describeWithBrokers('NATS JetStream transport across a server crash and restart', () => {
  let server: OwnNatsServer;
  let transport: NatsTransport | undefined;

  beforeAll(async () => {
    server = await OwnNatsServer.create();
    await server.start();
  });
  afterAll(async () => {
    await transport?.close();
    await server?.dispose();
  });

  it('resumes consuming after the server is killed and restarted mid-stream; per-aggregate order holds, nothing is lost', async () => {
    const stream = uniqueStream('NT_RESTART');
    const subject = `${stream}.events`;
    const logger = new RecordingLogger();
    const consumer = natsTransport(
      {
        servers: server.url,
        stream,
        durable: 'svc',
        ackWaitMs: 2_000,
        maxBuffered: 20,
      },
      logger,
    );
    transport = consumer;
    const publish = (n: number) =>
      transport!.publish(subject, {
        key: `agg-${n % 5}`,
        value: Buffer.from(String(n)),
        headers: {},
        id: `evt-${n}`,
      });
    for (let n = 1; n <= BEFORE; n++) await publish(n);

    // Plays a slow core: handles and acknowledges one message at a time in arrival order, so the stream is
    // mid-way when the server dies.
    const firstDeliveries = new Map<number, number>();
    const handledPerKey = new Map<string, number[]>();
    const queue: InboundMessage[] = [];
    let acked = 0;
    let running = true;
    const worker = (async () => {
      while (running) {
        const message = queue.shift();
        await sleep(message ? 5 : 10);
        if (!message) continue;
        const n = Number(message.value.toString());
        const handled = handledPerKey.get(message.key!) ?? [];
        if (!handled.includes(n)) handled.push(n);
        handledPerKey.set(message.key!, handled);
        await message.ack();
        acked++;
      }
    })();
    await transport.consume([{ topic: subject, semantics: 'domain-event' }], (message) => {
      firstDeliveries.set(message.sequence, (firstDeliveries.get(message.sequence) ?? 0) + 1);
      queue.push(message);
    });

    await waitFor(
      () => acked >= 50,
      () => `${acked} acked`,
      15_000,
    );
    expect(consumer.health()).toEqual({ connected: true, consuming: true });
    await server.kill();
    expect(acked).toBeLessThan(BEFORE);
    await waitFor(
      () => !consumer.health().connected,
      () => `health ${JSON.stringify(consumer.health())} after the server was killed`,
      10_000,
    );
    await server.start();

    for (let n = BEFORE + 1; n <= BEFORE + AFTER; n++) await retry(() => publish(n), 15_000);
    const total = BEFORE + AFTER;
    await waitFor(
      () => firstDeliveries.size >= total && queue.length === 0,
      () =>
        `${firstDeliveries.size}/${total} delivered, ${queue.length} queued; ${logger.warnings.join(' | ')}`,
      25_000,
    );
    await waitFor(
      () => consumer.health().connected && consumer.health().consuming,
      () => `health ${JSON.stringify(consumer.health())} after the server came back`,
    );
    running = false;
    await worker;
    await transport.close();
    expect(consumer.health().connected).toBe(false);

    const sequences = [...firstDeliveries.keys()].sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (let k = 0; k < 5; k++) {
      const published = Array.from({ length: total }, (_, i) => i + 1).filter((n) => n % 5 === k);
      expect([`agg-${k}`, handledPerKey.get(`agg-${k}`)]).toEqual([`agg-${k}`, published]);
    }
    const probe = await JetStreamProbe.open(server.url);
    try {
      const info = await probe.settledConsumer(stream, natsConsumerName('svc', subject));
      expect(info.num_pending).toBe(0);
      expect(info.num_ack_pending).toBe(0);
      expect(info.ack_floor.stream_seq).toBe(total);
    } finally {
      await probe.close([stream]);
    }
  });
});

async function retry(action: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await action();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}
