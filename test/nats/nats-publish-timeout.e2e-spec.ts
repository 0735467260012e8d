import { afterAll, beforeAll, expect, it } from 'vitest';
import { PublishTimeoutError } from '../../libs/eventbus/src/errors/publish-timeout.error';
import { TransportClosedError } from '../../libs/eventbus/src/errors/transport-closed.error';
import type { NatsTransport } from '../../libs/eventbus/src/transports/nats/nats.transport';
import { describeWithBrokers } from '../support/brokers';
import { Inbox } from '../support/inbox';
import { waitFor } from '../support/recorder';
import { natsTransport, uniqueStream } from './nats-test-kit';
import { OwnNatsServer } from './own-nats-server';

const TIMEOUT_MS = 1_500;
/**
 * Short, because what the server delivered to the pull request the transport gave up during the freeze comes
 * back only after it ("a" may be among it), and until then the recovery barrier holds newer messages back.
 */
const ACK_WAIT_MS = 2_000;
/** Generous upper bound for "about publishTimeoutMs". */
const BOUND_MS = TIMEOUT_MS + 1_500;
const body = (text: string) => Buffer.from(text);

/** Rejection of `work` and how long it took. */
async function rejection(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await work;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected a rejection');
}

describeWithBrokers('NATS JetStream publishing against a server that does not answer', () => {
  let server: OwnNatsServer;
  let transport: NatsTransport | undefined;

  beforeAll(async () => {
    server = await OwnNatsServer.create();
    await server.start();
  });
  afterAll(async () => {
    server?.thaw();
    await transport?.close();
    await server?.dispose();
  });

  it('rejects publishes and dead-letter writes with PublishTimeoutError within publishTimeoutMs; after close() at once with TransportClosedError', async () => {
    const stream = uniqueStream('NT_TIMEOUT');
    const subject = `${stream}.orders`;
    transport = natsTransport({
      servers: server.url,
      stream,
      durable: 'svc',
      publishTimeoutMs: TIMEOUT_MS,
      ackWaitMs: ACK_WAIT_MS,
    });
    const inbox = new Inbox();
    await transport.consume([{ topic: subject, semantics: 'domain-event' }], inbox.deliver);
    await transport.publish(subject, { key: 'k', value: body('poison'), headers: {} });
    const [message] = await inbox.receive(1);

    await server.freeze();
    try {
      // The stream captures the subject already: only the PubAck is missing.
      const plain = await rejection(transport.publish(subject, { value: body('a'), headers: {} }));
      expect(plain.error).toBeInstanceOf(PublishTimeoutError);
      expect(plain.error).toMatchObject({ topic: subject, timeoutMs: TIMEOUT_MS });
      expect(plain.ms).toBeLessThan(BOUND_MS);

      // A new subject: the stream must be updated first, and the server does not answer that either.
      const other = `${stream}.payments`;
      const provisioning = await rejection(transport.publish(other, { value: body('b'), headers: {} }));
      expect(provisioning.error).toBeInstanceOf(PublishTimeoutError);
      expect(provisioning.ms).toBeLessThan(BOUND_MS);

      const deadLetter = await rejection(message.deadLetter({ reason: 'poison', attempts: 5 }));
      expect(deadLetter.error).toBeInstanceOf(PublishTimeoutError);
      expect(deadLetter.error).toMatchObject({ topic: `${subject}.dlq` });
      expect(deadLetter.ms).toBeLessThan(BOUND_MS);
    } finally {
      server.thaw();
    }

    // The server answers again: publishing works, the dead-letter write too.
    await transport.publish(subject, { key: 'k', value: body('after'), headers: {} });
    await message.deadLetter({ reason: 'poison', attempts: 5 });
    // A publish that timed out may still have been written ("a" was sent before the server stopped answering).
    // Once thawed, the server may deliver it to the pull request the transport gave up on while the server was
    // frozen: the reopened loop then counts it missing and holds "after" back until it comes back, at most
    // ack_wait plus the barrier's 3 s margin later, besides the reopen's own backoff.
    await waitFor(
      () => inbox.values().includes('after'),
      () => `received ${inbox.values().join(', ')}`,
      ACK_WAIT_MS + 3_000 + 10_000,
    );
    expect(inbox.values().filter((v) => v !== 'a')).toEqual(['poison', 'after']);
    await Promise.all(inbox.messages.slice(1).map((m) => m.ack()));

    await transport.close();
    const closed = await rejection(transport.publish(subject, { value: body('late'), headers: {} }));
    expect(closed.error).toBeInstanceOf(TransportClosedError);
    expect(closed.ms).toBeLessThan(1_000);
    await expect(transport.connect()).rejects.toBeInstanceOf(TransportClosedError);
  });
});
