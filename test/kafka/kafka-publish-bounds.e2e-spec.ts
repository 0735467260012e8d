import type { Admin } from 'kafkajs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { PublishTimeoutError } from '../../libs/eventbus/src/errors/publish-timeout.error';
import { KafkaDeadLetterError } from '../../libs/eventbus/src/transports/kafka/kafka-dead-letter.error';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { Inbox } from '../support/inbox';
import { sleep } from '../support/recorder';
import { outbound, testAdmin, TransportFactory } from './kafka-test-kit';
import { OwnKafkaBroker } from './own-kafka-broker';

const PUBLISH_TIMEOUT_MS = 3_000;
/** Slack for timers and a busy machine on top of the bound under test. */
const MARGIN_MS = 1_000;

/** Settles `promise` into when (ms after `since`) and how it ended, without throwing. */
async function outcome(
  promise: Promise<unknown>,
  since: number,
): Promise<{ error?: unknown; afterMs: number }> {
  try {
    await promise;
    return { afterMs: Date.now() - since };
  } catch (error) {
    return { error, afterMs: Date.now() - since };
  }
}

describeWithBrokers('Kafka: every publish is bounded by publishTimeoutMs', () => {
  let broker: OwnKafkaBroker;
  let admin: Admin;
  const transports = new TransportFactory();

  function create(prefix: string) {
    return transports.create(
      { brokers: broker.brokers, groupId: uniqueName(prefix), createTopics: false, numPartitions: 1 },
      '.dlq',
      PUBLISH_TIMEOUT_MS,
    );
  }
  async function createTopics(...topics: string[]): Promise<void> {
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: 1 })),
      waitForLeaders: true,
    });
  }

  beforeAll(async () => {
    broker = await OwnKafkaBroker.create({ 'auto.create.topics.enable': 'false' });
    await broker.start();
    admin = testAdmin(broker.brokers);
    await admin.connect();
  });
  afterEach(async () => {
    broker.thaw();
    await transports.closeAll();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await broker?.dispose();
  });

  it('a publish to a missing topic rejects within publishTimeoutMs and does not delay one to an existing topic', async () => {
    const existing = uniqueName('kb-existing');
    const missing = uniqueName('kb-missing');
    await createTopics(existing);
    const { transport, logger } = create('kb-missing');
    await transport.publish(existing, outbound('warm-up'));
    // Bounding the producer's retries is deliberate: kafkajs's warning about it is no warning here.
    expect(logger.entries.filter((e) => e.level === 'warn' && e.message.includes('retries'))).toEqual([]);

    const start = Date.now();
    const failing = outcome(transport.publish(missing, outbound('lost')), start);
    await sleep(200);
    const healthy = await outcome(transport.publish(existing, outbound('through')), start);
    const failed = await failing;

    expect(healthy.error).toBeUndefined();
    // Rejected by the producer's bounded retries or by the deadline, whichever comes first.
    expect(failed.error).toBeInstanceOf(Error);
    expect(failed.afterMs).toBeLessThanOrEqual(PUBLISH_TIMEOUT_MS + MARGIN_MS);
    // The healthy publish did not wait for the failing one.
    expect(healthy.afterMs).toBeLessThan(failed.afterMs);
    expect(healthy.afterMs).toBeLessThan(200 + MARGIN_MS);
    const [partition] = await admin.fetchTopicOffsets(existing);
    expect(partition.high).toBe('2');
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it('while the broker answers nothing, a publish and a dead-letter write reject within publishTimeoutMs; both work again after', async () => {
    const t = uniqueName('kb-frozen');
    await createTopics(t, `${t}.dlq`);
    const { transport } = create('kb-frozen');
    await transport.publish(t, outbound('first'));
    const inbox = new Inbox();
    await transport.consume([{ topic: t, semantics: 'domain-event' }], inbox.deliver);
    const [poison] = await inbox.receive(1);

    await broker.freeze();
    const start = Date.now();
    const [published, deadLettered] = await Promise.all([
      outcome(transport.publish(t, outbound('while-frozen')), start),
      outcome(poison.deadLetter({ reason: 'boom', attempts: 3 }), start),
    ]);
    expect(published.error).toBeInstanceOf(PublishTimeoutError);
    expect(published.afterMs).toBeLessThanOrEqual(PUBLISH_TIMEOUT_MS + MARGIN_MS);
    expect(deadLettered.error).toBeInstanceOf(KafkaDeadLetterError);
    expect((deadLettered.error as Error).cause).toBeInstanceOf(PublishTimeoutError);
    expect(deadLettered.afterMs).toBeLessThanOrEqual(PUBLISH_TIMEOUT_MS + MARGIN_MS);

    broker.thaw();
    await transport.publish(t, outbound('after'));
    await poison.deadLetter({ reason: 'boom', attempts: 4 });
    const [dlq] = await admin.fetchTopicOffsets(`${t}.dlq`);
    expect(Number(dlq.high)).toBeGreaterThanOrEqual(1);
  });
});
