import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaConfig } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConnectionError, type EventBusModuleOptions } from '@app/eventbus';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { domainController } from '../support/controllers';
import { freePort } from '../support/processes';
import { publishDomainRounds } from '../support/publishing';
import { range, Recorder, waitFor } from '../support/recorder';
import { errorWatcher, pemBodyLines, SecretWatch } from '../support/secret-watch';
import { startApp } from '../support/test-app';
import { makeTestCertificates, type TestCertificates } from '../support/tls-certificates';
import { FAST_GROUP } from './kafka-test-kit';
import { OwnKafkaBroker } from './own-kafka-broker';

const USER = 'orders-svc';
const PASSWORD = 'pw-Kf93-never-logged';
const WRONG_PASSWORD = 'pw-wrong-Rb26-never-logged';
const AGGREGATES = ['a-1', 'a-2', 'a-3'];
const VERSIONS = 5;
/**
 * A start that cannot reach the broker fails after kafkajs's connection retries (default `retry`: 5 retries,
 * about 10 s of backoff in all, each attempt bounded by `connectionTimeout` and `authenticationTimeout`).
 */
const RETRIES_BOUND_MS = 30_000;
/** A refused authentication or a failed TLS handshake is not retried. */
const AT_ONCE_BOUND_MS = 5_000;

describeWithBrokers(
  'Kafka secure connections (own broker: SASL_SSL listener, SCRAM-SHA-512, test CA)',
  () => {
    let certs: TestCertificates;
    let broker: OwnKafkaBroker;
    const watch = new SecretWatch();
    const secrets = () => [PASSWORD, WRONG_PASSWORD, ...pemBodyLines(certs.key)];
    const ssl = () => ({ ca: [readFileSync(certs.caFile, 'utf8')] });
    const sasl = (password = PASSWORD) => ({ mechanism: 'scram-sha-512' as const, username: USER, password });

    beforeAll(async () => {
      certs = makeTestCertificates();
      // Kafka reads a PEM key store holding the private key and the certificate chain.
      const keyStore = join(certs.dir, 'server-keystore.pem');
      writeFileSync(keyStore, readFileSync(certs.keyFile, 'utf8') + readFileSync(certs.certFile, 'utf8'));
      const securePort = await freePort();
      broker = await OwnKafkaBroker.create(
        {
          listeners: `PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:${securePort},CONTROLLER://127.0.0.1:9093`,
          'advertised.listeners': `PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:${securePort}`,
          'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL',
          'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
          'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config':
            'org.apache.kafka.common.security.scram.ScramLoginModule required;',
          'ssl.keystore.type': 'PEM',
          'ssl.keystore.location': keyStore,
        },
        {
          formatArgs: ['--add-scram', `SCRAM-SHA-512=[name=${USER},password=${PASSWORD}]`],
          clientPort: securePort,
          probe: { ssl: ssl(), sasl: sasl() },
        },
      );
      await broker.start();
      watch.start();
    });

    afterAll(async () => {
      watch.stop();
      await broker?.dispose();
      certs?.dispose();
    });

    function options(client: Partial<KafkaConfig>): EventBusModuleOptions {
      const groupId = uniqueName('secure');
      return {
        transport: 'kafka',
        kafka: { brokers: broker.brokers, clientId: groupId, groupId, ...FAST_GROUP, client },
      };
    }

    /** Starts an app that must not start: the error and how long it took. */
    async function failedStart(
      client: Partial<KafkaConfig>,
    ): Promise<{ error: BrokerConnectionError; ms: number }> {
      const started = Date.now();
      try {
        await startApp(
          options(client),
          [domainController({ 'never-started': () => undefined })],
          [errorWatcher(watch)],
          watch.logger,
        );
      } catch (error) {
        watch.record(error);
        expect(error).toBeInstanceOf(BrokerConnectionError);
        return { error: error as BrokerConnectionError, ms: Date.now() - started };
      }
      throw new Error('expected the start to fail');
    }

    it('connects over SASL_SSL with SCRAM-SHA-512 and the test CA; publishes and consumes domain events in order', async () => {
      const topic = uniqueName('secure-orders');
      const recorder = new Recorder();
      const app = await startApp(
        options({ ssl: ssl(), sasl: sasl() }),
        [domainController({ [topic]: (e) => recorder.succeeded(e.aggregateId, e.version) })],
        [errorWatcher(watch)],
        watch.logger,
      );
      try {
        await publishDomainRounds(app.bus, topic, AGGREGATES, VERSIONS);
        await waitFor(
          () => recorder.successCount >= AGGREGATES.length * VERSIONS,
          () => `handled ${recorder.successCount}`,
        );
        for (const aggregateId of AGGREGATES)
          expect(recorder.firstSuccesses(aggregateId)).toEqual(range(VERSIONS));
      } finally {
        await app.close();
      }
    });

    describe('fails the start with BrokerConnectionError naming the broker and the cause', () => {
      it('wrong password: at once, not retried', async () => {
        const { error, ms } = await failedStart({ ssl: ssl(), sasl: sasl(WRONG_PASSWORD) });
        expect(error).toMatchObject({
          transport: 'kafka',
          broker: broker.brokers[0],
          failure: 'authentication',
        });
        expect(error.message).toContain(
          `Cannot connect to kafka broker ${broker.brokers[0]}: the broker refused the credentials`,
        );
        expect(ms).toBeLessThan(AT_ONCE_BOUND_MS);
      });

      it('a CA that did not sign the broker certificate: at once, not retried', async () => {
        const { error, ms } = await failedStart({
          ssl: { ca: [readFileSync(certs.otherCaFile, 'utf8')] },
          sasl: sasl(),
        });
        expect(error).toMatchObject({ broker: broker.brokers[0], failure: 'tls' });
        expect(error.message).toMatch(/the TLS handshake failed \(.*certificate/);
        expect(ms).toBeLessThan(AT_ONCE_BOUND_MS);
      });

      it('a plain-text client against the SASL_SSL listener: after the connection retries', async () => {
        const { error, ms } = await failedStart({ sasl: sasl() });
        expect(error).toMatchObject({ broker: broker.brokers[0], failure: 'unreachable' });
        expect(error.message).toContain(
          'check the address, that the broker runs, and that the TLS and SASL settings match its listener',
        );
        expect(ms).toBeLessThan(RETRIES_BOUND_MS);
      });
    });

    it('no password or private key appeared in any log line, output, error or event', () => {
      expect(watch.texts.some((text) => text.includes('listening on kafka'))).toBe(true);
      expect(watch.leaks(['refused the credentials', 'TLS handshake failed'])).toHaveLength(2);
      expect(watch.leaks(secrets())).toEqual([]);
    });
  },
);
