import { createUser } from '@nats-io/nkeys';
import { nkeyAuthenticator } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConnectionError, type EventBusModuleOptions, type NatsConnectionOptions } from '@app/eventbus';
import { describeWithBrokers } from '../support/brokers';
import { domainController } from '../support/controllers';
import { publishDomainRounds } from '../support/publishing';
import { range, Recorder, waitFor } from '../support/recorder';
import { errorWatcher, pemBodyLines, SecretWatch } from '../support/secret-watch';
import { startApp } from '../support/test-app';
import { makeTestCertificates, type TestCertificates } from '../support/tls-certificates';
import { natsTransport, uniqueStream } from './nats-test-kit';
import { OwnNatsServer } from './own-nats-server';

const PASSWORD = 'pw-Xq81-never-logged';
const WRONG_PASSWORD = 'pw-wrong-Zt55-never-logged';
const TOKEN = 'tok-Lm42-never-logged';
const WRONG_TOKEN = 'tok-wrong-Qa77-never-logged';
/** The first connection's timeout in these tests; failures must be reported within it (plus a margin). */
const CONNECT_TIMEOUT_MS = 3_000;
const BOUND_MS = CONNECT_TIMEOUT_MS + 3_000;
const AGGREGATES = ['a-1', 'a-2', 'a-3'];
const VERSIONS = 5;

describeWithBrokers('NATS secure connections (own servers: TLS + user/password, token, NKey)', () => {
  let certs: TestCertificates;
  let tlsServer: OwnNatsServer;
  let tokenServer: OwnNatsServer;
  let nkeyServer: OwnNatsServer;
  const nkey = createUser();
  const seed = new TextDecoder().decode(nkey.getSeed());
  const otherSeed = new TextDecoder().decode(createUser().getSeed());
  const watch = new SecretWatch();
  const secrets = () => [
    PASSWORD,
    WRONG_PASSWORD,
    TOKEN,
    WRONG_TOKEN,
    seed,
    otherSeed,
    ...pemBodyLines(certs.key),
  ];

  beforeAll(async () => {
    certs = makeTestCertificates();
    tlsServer = await OwnNatsServer.create({
      config:
        `tls { cert_file: "${certs.certFile}", key_file: "${certs.keyFile}" }\n` +
        `authorization { user: app, password: "${PASSWORD}" }\n`,
      probe: { user: 'app', pass: PASSWORD, tls: { caFile: certs.caFile } },
    });
    tokenServer = await OwnNatsServer.create({
      config: `authorization { token: "${TOKEN}" }\n`,
      probe: { token: TOKEN },
    });
    nkeyServer = await OwnNatsServer.create({
      config: `authorization { users = [ { nkey: ${nkey.getPublicKey()} } ] }\n`,
      probe: { authenticator: nkeyAuthenticator(nkey.getSeed()) },
    });
    await Promise.all([tlsServer.start(), tokenServer.start(), nkeyServer.start()]);
    watch.start();
  });

  afterAll(async () => {
    watch.stop();
    await Promise.all([tlsServer?.dispose(), tokenServer?.dispose(), nkeyServer?.dispose()]);
    certs?.dispose();
  });

  function options(
    server: OwnNatsServer,
    connection: NatsConnectionOptions,
    stream: string,
  ): EventBusModuleOptions {
    return {
      transport: 'nats',
      nats: {
        servers: server.url,
        stream,
        durable: 'secure',
        connection: { timeout: CONNECT_TIMEOUT_MS, ...connection },
      },
    };
  }

  /** Starts an app on `server`, publishes rounds of domain events and checks each aggregate's order. */
  async function roundTrip(server: OwnNatsServer, connection: NatsConnectionOptions): Promise<void> {
    const stream = uniqueStream('SECURE');
    const topic = `${stream}.orders`;
    const recorder = new Recorder();
    const app = await startApp(
      options(server, connection, stream),
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
  }

  /** Starts an app that must not start: the error and how long it took. */
  async function failedStart(
    server: OwnNatsServer,
    connection: NatsConnectionOptions,
  ): Promise<{ error: BrokerConnectionError; ms: number }> {
    const started = Date.now();
    try {
      await startApp(
        options(server, connection, uniqueStream('SECURE_FAIL')),
        [domainController({ 'never.started': () => undefined })],
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

  describe('connect, publish and consume domain events in order', () => {
    it('TLS with the test CA and user/password', () =>
      roundTrip(tlsServer, { user: 'app', pass: PASSWORD, tls: { caFile: certs.caFile } }));
    it('token', () => roundTrip(tokenServer, { token: TOKEN }));
    it('NKey authenticator', () =>
      roundTrip(nkeyServer, { authenticator: nkeyAuthenticator(nkey.getSeed()) }));
  });

  describe('fails the start fast with BrokerConnectionError naming the server and the cause', () => {
    it('wrong password', async () => {
      const { error, ms } = await failedStart(tlsServer, {
        user: 'app',
        pass: WRONG_PASSWORD,
        tls: { caFile: certs.caFile },
      });
      expect(error).toMatchObject({ transport: 'nats', broker: tlsServer.url, failure: 'authentication' });
      expect(error.message).toContain(
        `Cannot connect to nats broker ${tlsServer.url}: the broker refused the credentials`,
      );
      expect(ms).toBeLessThan(BOUND_MS);
    });

    it('wrong token, wrong NKey', async () => {
      const token = await failedStart(tokenServer, { token: WRONG_TOKEN });
      expect(token.error).toMatchObject({ broker: tokenServer.url, failure: 'authentication' });
      const otherKey = await failedStart(nkeyServer, {
        authenticator: nkeyAuthenticator(new TextEncoder().encode(otherSeed)),
      });
      expect(otherKey.error).toMatchObject({ broker: nkeyServer.url, failure: 'authentication' });
      expect(Math.max(token.ms, otherKey.ms)).toBeLessThan(BOUND_MS);
    });

    it('a CA that did not sign the server certificate, or none (the system CAs)', async () => {
      const wrongCa = await failedStart(tlsServer, {
        user: 'app',
        pass: PASSWORD,
        tls: { caFile: certs.otherCaFile },
      });
      expect(wrongCa.error).toMatchObject({ broker: tlsServer.url, failure: 'tls' });
      expect(wrongCa.error.message).toMatch(/the TLS handshake failed \(.*certificate/);
      const noCa = await failedStart(tlsServer, { user: 'app', pass: PASSWORD });
      expect(noCa.error).toMatchObject({ failure: 'tls' });
      expect(Math.max(wrongCa.ms, noCa.ms)).toBeLessThan(BOUND_MS);
    });

    it('a plain-text client (tls: null) against the TLS server', async () => {
      const { error, ms } = await failedStart(tlsServer, { user: 'app', pass: PASSWORD, tls: null });
      expect(error).toMatchObject({ broker: tlsServer.url, failure: 'tls' });
      expect(ms).toBeLessThan(BOUND_MS);
    });

    it('no server on the address: unreachable, at once', async () => {
      const nobody = await OwnNatsServer.create();
      try {
        const { error, ms } = await failedStart(nobody, { token: TOKEN });
        expect(error).toMatchObject({ broker: nobody.url, failure: 'unreachable' });
        expect(error.message).toContain(
          `Cannot connect to nats broker ${nobody.url}: the broker cannot be reached`,
        );
        expect(ms).toBeLessThan(BOUND_MS);
      } finally {
        await nobody.dispose();
      }
    });

    it('the first publish of a transport that never connected rejects the same way', async () => {
      const transport = natsTransport(
        {
          servers: tlsServer.url,
          stream: uniqueStream('SECURE_PUB'),
          connection: {
            user: 'app',
            pass: WRONG_PASSWORD,
            tls: { caFile: certs.caFile },
            timeout: CONNECT_TIMEOUT_MS,
          },
        },
        watch.logger,
      );
      try {
        const error = await transport
          .publish('x.y', { value: Buffer.from('v'), headers: {} })
          .catch((e: unknown) => e);
        watch.record(error);
        expect(error).toBeInstanceOf(BrokerConnectionError);
        expect(error).toMatchObject({ failure: 'authentication' });
      } finally {
        await transport.close();
      }
    });
  });

  it('no password, token, NKey seed or private key appeared in any log line, output, error or event', () => {
    // The capture works: it holds the start log lines and the failures' messages.
    expect(watch.texts.some((text) => text.includes('listening on nats'))).toBe(true);
    expect(watch.leaks(['Authorization Violation', 'TLS handshake failed'])).toHaveLength(2);
    expect(watch.leaks(secrets())).toEqual([]);
  });
});
