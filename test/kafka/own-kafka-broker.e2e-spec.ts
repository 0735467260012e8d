import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { OwnKafkaBroker } from './own-kafka-broker';

describeWithBrokers('Kafka: a broker of the test itself', () => {
  const version = process.env.EVENTBUS_KAFKA_VERSION ?? '4.4.0';
  const cache = mkdtempSync(join(tmpdir(), 'eventbus-kafka-jars-'));
  const previousCache = process.env.EVENTBUS_KAFKA_JARS;
  let broker: OwnKafkaBroker | undefined;

  beforeAll(() => {
    process.env.EVENTBUS_KAFKA_JARS = cache;
  });
  afterAll(async () => {
    if (previousCache === undefined) delete process.env.EVENTBUS_KAFKA_JARS;
    else process.env.EVENTBUS_KAFKA_JARS = previousCache;
    await broker?.dispose();
    rmSync(cache, { recursive: true, force: true });
  });

  it(`with an empty jar cache, resolves the Kafka ${version} jars itself, starts and round-trips a message`, async () => {
    broker = await OwnKafkaBroker.create();
    expect(readdirSync(join(cache, version))).toContain(`kafka_2.13-${version}.jar`);
    await broker.start();

    const kafka = new Kafka({
      clientId: 'own-broker-test',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueName('own-broker');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'first' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: topic });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<string | undefined>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString()) });
    });
    await consumer.disconnect();
    expect(received).toBe('first');
  });
});
