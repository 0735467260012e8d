import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InboundMessage } from '../../libs/eventbus/src/transports/transport.port';
import { natsConsumerName } from '../../libs/eventbus/src/transports/nats/nats-consumer-name';
import type { NatsTransport } from '../../libs/eventbus/src/transports/nats/nats.transport';
import { describeWithBrokers, NATS_SERVERS } from '../support/brokers';
import { range, sleep, waitFor } from '../support/recorder';
import { RecordingLogger } from '../support/recording-logger';
import { TcpProxy } from '../support/tcp-proxy';
import { JetStreamProbe, natsTransport, uniqueStream } from './nats-test-kit';

const AGGREGATES = 30;
const VERSIONS = 20;
const HANDLE_MS = 200;

describeWithBrokers('NATS JetStream transport across a dropped or stalled connection', () => {
  let proxy: TcpProxy;
  let probe: JetStreamProbe;
  const transports: NatsTransport[] = [];
  const streams: string[] = [];

  beforeAll(async () => {
    const { hostname, port } = new URL(NATS_SERVERS.split(',')[0]);
    proxy = await TcpProxy.start(hostname, Number(port));
    probe = await JetStreamProbe.open();
  });
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await proxy?.close();
    await probe?.close(streams);
  });

  /**
   * Publishes AGGREGATES x VERSIONS events, consumes them through the proxy with a slow-ish core (one message at
   * a time per aggregate, in arrival order, acknowledged after handling), runs `disrupt` once 100 are handled
   * and many are in flight, and returns each aggregate's first successful handlings, in order.
   */
  async function consumeThrough(
    ackWaitMs: number,
    disrupt: () => Promise<void>,
  ): Promise<{ handled: Map<string, number[]>; logger: RecordingLogger; stream: string; subject: string }> {
    const stream = uniqueStream('NT_CUT');
    streams.push(stream);
    const subject = `${stream}.events`;
    const logger = new RecordingLogger();
    const transport = natsTransport(
      { servers: proxy.url, stream, durable: 'svc', ackWaitMs, maxBuffered: 300 },
      logger,
    );
    transports.push(transport);
    for (let version = 1; version <= VERSIONS; version++) {
      await Promise.all(
        range(AGGREGATES).map((a) =>
          transport.publish(subject, {
            key: `agg-${a}`,
            value: Buffer.from(String(version)),
            headers: {},
            id: `agg-${a}:${version}`,
          }),
        ),
      );
    }

    const handled = new Map<string, number[]>();
    let handledCount = 0;
    const mailboxes = new Map<string, Promise<void>>();
    const handle = async (message: InboundMessage) => {
      await sleep(HANDLE_MS);
      const versions = handled.get(message.key!) ?? [];
      const version = Number(message.value.toString());
      if (!versions.includes(version)) {
        versions.push(version);
        handledCount++;
      }
      handled.set(message.key!, versions);
      await message.ack();
    };
    await transport.consume([{ topic: subject, semantics: 'domain-event' }], (message) => {
      const key = message.key!;
      mailboxes.set(
        key,
        (mailboxes.get(key) ?? Promise.resolve()).then(() => handle(message)),
      );
    });

    await waitFor(
      () => handledCount >= 100,
      () => `${handledCount} handled`,
      20_000,
    );
    await disrupt();
    const total = AGGREGATES * VERSIONS;
    expect(handledCount).toBeLessThan(total);

    await waitFor(
      () => handledCount >= total,
      () => `${handledCount}/${total} handled; ${logger.warnings.join(' | ')}`,
      40_000,
    );
    await Promise.all(mailboxes.values());
    await transport.close();
    return { handled, logger, stream, subject };
  }

  async function expectInOrderAndComplete(stream: string, subject: string, handled: Map<string, number[]>) {
    for (let a = 1; a <= AGGREGATES; a++)
      expect([`agg-${a}`, handled.get(`agg-${a}`)]).toEqual([`agg-${a}`, range(VERSIONS)]);
    const info = await probe.settledConsumer(stream, natsConsumerName('svc', subject));
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  }

  it('keeps per-aggregate order when the connection drops with messages on the wire; nothing is lost', async () => {
    const { handled, logger, stream, subject } = await consumeThrough(2_000, async () => {
      proxy.stall();
      await sleep(400);
      proxy.cut();
    });
    await expectInOrderAndComplete(stream, subject, handled);
    // The cut lost messages on the wire (the server counts them delivered), and they came back.
    expect(logger.entries.some((e) => /unacknowledged message\(s\) not held here/.test(e.message))).toBe(
      true,
    );
    // The barrier may also lift by its time limit (ack_wait + 3 s) when it counted more messages missing than
    // come back (an ack the server received only after the count): slower, never out of order, as asserted above.
  });

  it('keeps per-aggregate order when a stalled link makes the pull loop miss heartbeats; nothing is lost', async () => {
    // ack_wait is longer than the stall: what the stalled pull request lost is not redelivered before the reopen.
    const { handled, logger, stream, subject } = await consumeThrough(8_000, async () => {
      proxy.hold();
      await sleep(3_500);
      proxy.release();
    });
    await expectInOrderAndComplete(stream, subject, handled);
    // The stall made the pull loop reopen.
    expect(logger.entries.some((e) => /heartbeats.missed/.test(e.message))).toBe(true);
  });
});
