import { afterAll, beforeAll, expect, it } from 'vitest';
import { EventBusHealthIndicator } from '@app/eventbus';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { domainController } from '../support/controllers';
import { aggregateIds, publishDomainRounds } from '../support/publishing';
import { Recorder, range, sleep, waitFor } from '../support/recorder';
import { startApp, type TestApp } from '../support/test-app';
import { OwnKafkaBroker } from './own-kafka-broker';

describeWithBrokers('Kafka: the broker is killed and restarted mid-stream', () => {
  let broker: OwnKafkaBroker;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    broker = await OwnKafkaBroker.create();
    await broker.start();
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await broker?.dispose();
  });

  it('reconnects, resumes consuming and loses nothing; per-aggregate order of first successes kept; health follows', async () => {
    const scope = uniqueName('krestart');
    const topic = `${scope}.orders`;
    const recorder = new Recorder();
    const app = await startApp(
      {
        transport: 'kafka',
        kafka: {
          brokers: broker.brokers,
          clientId: scope,
          sessionTimeout: 10_000,
          heartbeatInterval: 500,
          commitIntervalMs: 100,
        },
        dispatcher: { maxConcurrency: 4 },
      },
      [
        domainController({
          [topic]: async (e) => {
            await sleep(10);
            recorder.succeeded(e.aggregateId, e.version);
          },
        }),
      ],
    );
    apps.push(app);
    const aggregates = aggregateIds(20);
    await publishDomainRounds(app.bus, topic, aggregates, 20);
    await waitFor(
      () => recorder.successCount >= 50,
      () => `handled ${recorder.successCount}`,
      60_000,
    );

    const health = app.app.get(EventBusHealthIndicator);
    expect((await health.isHealthy()).eventbus.status).toBe('up');
    await broker.kill();
    const handledWhileUp = recorder.successCount;
    expect(handledWhileUp).toBeLessThan(400);
    let report = '';
    await waitFor(
      async () => {
        const { eventbus } = await health.isHealthy();
        report = JSON.stringify(eventbus);
        return eventbus.status === 'down' && !eventbus.connected;
      },
      () => `still ${report}`,
      60_000,
    );
    await broker.start();

    // More events after the restart: published through the same (reconnected) producer.
    await publishDomainRounds(app.bus, topic, aggregates, 25, 21);
    await waitFor(
      () => aggregates.every((id) => recorder.firstSuccesses(id).length === 25),
      () =>
        `complete aggregates: ${aggregates.filter((id) => recorder.firstSuccesses(id).length === 25).length}/20`,
      120_000,
    );
    for (const id of aggregates) expect(recorder.firstSuccesses(id), id).toEqual(range(25));
    expect(recorder.successCount).toBeGreaterThan(handledWhileUp);
    await waitFor(
      async () => (await health.isHealthy()).eventbus.status === 'up',
      () => 'health still down after the broker came back',
    );
  });
});
