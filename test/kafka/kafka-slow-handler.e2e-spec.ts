import { afterAll, expect, it, vi } from 'vitest';
import { describeWithBrokers, KAFKA_BROKERS, uniqueName } from '../support/brokers';
import { domainController } from '../support/controllers';
import { aggregateIds, publishDomainRounds } from '../support/publishing';
import { range, Recorder, sleep, waitFor } from '../support/recorder';
import { startApp, type TestApp } from '../support/test-app';
import { committedOffsets, testAdmin } from './kafka-test-kit';

const SESSION_TIMEOUT_MS = 6_000;
const SLOW_HANDLER_MS = 9_000;

describeWithBrokers('Kafka: a handler slower than the session timeout', () => {
  const apps: TestApp[] = [];
  const admin = testAdmin();
  const scope = uniqueName('kslow');
  const topic = `${scope}.events`;
  const groupId = `${scope}-g`;

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('keeps its partitions: the slow event is handled once, the others flow meanwhile, all offsets commit', async () => {
    const recorder = new Recorder();
    const app = await startApp(
      {
        transport: 'kafka',
        kafka: {
          brokers: KAFKA_BROKERS,
          clientId: scope,
          groupId,
          numPartitions: 1,
          sessionTimeout: SESSION_TIMEOUT_MS,
          heartbeatInterval: 1_000,
          commitIntervalMs: 200,
        },
        dispatcher: { handlerTimeoutMs: 30_000 },
      },
      [
        domainController({
          [topic]: async (event, ctx) => {
            recorder.delivered(event.aggregateId, event.version, ctx.getAttempt());
            if (event.aggregateId === 'slow' && event.version === 1) await sleep(SLOW_HANDLER_MS);
            recorder.succeeded(event.aggregateId, event.version);
          },
        }),
      ],
    );
    apps.push(app);
    // One partition: every aggregate shares it with the slow one.
    const fast = aggregateIds(5, 'fast');
    await publishDomainRounds(app.bus, topic, ['slow', ...fast], 3);

    await waitFor(
      () => fast.every((id) => recorder.successes.get(id)?.length === 3),
      () => `fast handled ${recorder.successCount}`,
      5_000,
    );
    expect(recorder.successes.get('slow')).toBeUndefined();

    await waitFor(
      () => recorder.successCount === 18,
      () => `handled ${recorder.successCount}/18`,
      SLOW_HANDLER_MS + 10_000,
    );
    expect(recorder.successes.get('slow')).toEqual(range(3));
    // A lost membership would have redelivered the slow event (and everything after its offset).
    expect(recorder.deliveries).toHaveLength(18);
    expect(recorder.deliveries.every((d) => d.attempt === 1)).toBe(true);

    await admin.connect();
    await vi.waitFor(async () => expect((await committedOffsets(admin, groupId, topic)).get(0)).toBe(18), {
      timeout: 10_000,
      interval: 100,
    });
  });
});
