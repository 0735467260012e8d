import 'reflect-metadata';
import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, expect, it } from 'vitest';
import { SettlementError } from '@app/eventbus';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { domainController } from '../support/controllers';
import { Recorder, range, waitFor } from '../support/recorder';
import { startApp } from '../support/test-app';
import { TRANSPORTS } from '../support/transports';

const nats = TRANSPORTS.find((t) => t.name === 'nats')!;

describeWithBrokers('A dead letter the broker refuses (NATS JetStream)', () => {
  afterAll(() => nats.cleanup?.());

  it('holds only its aggregate, is reported as an error, and resumes by itself once the write succeeds', async () => {
    const scope = uniqueName('dlq-refused');
    const options = nats.options(scope);
    const stream = options.nats!.stream!;
    const topic = `${scope}.orders`;
    const recorder = new Recorder();
    const errors: unknown[] = [];
    let release: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (release = resolve));
    const app = await startApp(
      { ...options, retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 100, jitter: 0 } },
      [
        domainController({
          [topic]: async (e) => {
            await ready;
            if (e.aggregateId === 'poison' && e.version === 1) throw new Error('poison');
            recorder.succeeded(e.aggregateId, e.version);
          },
        }),
      ],
    );
    app.server.on('error', (error) => void errors.push(error));
    const healthy = range(5).map((i) => `healthy-${i}`);
    const event = (aggregateId: string, version: number) => ({
      aggregateId,
      type: 'T',
      version,
      payload: {},
    });
    await app.bus.publishDomainEvent(topic, event('poison', 1));
    await app.bus.publishDomainEvent(topic, event('poison', 2));
    for (const version of range(4)) {
      for (const id of healthy) await app.bus.publishDomainEvent(topic, event(id, version));
    }

    // The stream refuses every new message from now on: the dead letter of poison v1 cannot be written.
    const nc = await connect({ servers: options.nats!.servers });
    try {
      const jsm = await jetstreamManager(nc);
      const stored = (await jsm.streams.info(stream)).state.messages;
      await jsm.streams.update(stream, { max_msgs: stored, discard: DiscardPolicy.New });
      release();

      await waitFor(
        () => recorder.successCount === 20 && errors.length >= 2,
        () => `${recorder.successCount} handled, ${errors.length} errors`,
      );
      for (const id of healthy) expect(recorder.firstSuccesses(id)).toEqual([1, 2, 3, 4]);
      expect(recorder.firstSuccesses('poison')).toEqual([]);
      expect(app.server.counters?.['dead-lettered']).toBe(0);
      expect(errors[0]).toBeInstanceOf(SettlementError);
      expect((errors[0] as SettlementError).topic).toBe(topic);

      await jsm.streams.update(stream, { max_msgs: -1, discard: DiscardPolicy.Old });
      await waitFor(
        () => recorder.firstSuccesses('poison').length === 1,
        () => `poison: ${recorder.firstSuccesses('poison')}`,
      );
      expect(recorder.firstSuccesses('poison')).toEqual([2]);
      expect(app.server.counters?.['dead-lettered']).toBe(1);
    } finally {
      await nc.close();
      await app.close();
    }
  });
});
