import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { resolveEventBusOptions, type EventBusModuleOptions } from '../../options/event-bus.options';

const SECRET = 'not-to-be-printed-42';
const nats = (connection: unknown): EventBusModuleOptions =>
  ({ transport: 'nats', nats: { connection } }) as EventBusModuleOptions;
const failure = (options: EventBusModuleOptions): InvalidOptionsError => {
  try {
    resolveEventBusOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return error as InvalidOptionsError;
  }
  throw new Error('expected InvalidOptionsError');
};

describe('nats.connection', () => {
  it('is accepted and kept as given (credentials, TLS, name, timeout)', () => {
    const connection = { user: 'app', pass: SECRET, tls: { caFile: '/ca.pem' }, name: 'svc', timeout: 2_000 };
    expect(resolveEventBusOptions(nats(connection)).nats?.connection).toEqual(connection);
    expect(resolveEventBusOptions({ transport: 'nats' }).nats?.connection).toEqual({});
  });

  it.each([
    ['servers', { servers: 'nats://x:4222' }, '"nats.servers"'],
    ['port', { port: 4222 }, '"nats.servers"'],
    ['reconnect', { reconnect: false }, 'reconnects forever'],
    ['maxReconnectAttempts', { maxReconnectAttempts: 3 }, 'reconnects forever'],
    ['waitOnFirstConnect', { waitOnFirstConnect: true }, 'fail the start'],
    ['debug', { debug: true }, 'credentials included'],
  ])('refuses %s, which the transport owns', (key, connection, reason) => {
    expect(failure(nats(connection)).message).toMatch(
      new RegExp(`"nats.connection.${key}" cannot be set: .*${reason}`),
    );
  });

  it('refuses typos, two ways of authenticating, and pass without user; never printing the secret', () => {
    expect(failure(nats({ passs: SECRET })).message).toContain('did you mean "nats.connection.pass"');
    const two = failure(nats({ user: 'a', pass: SECRET, token: SECRET }));
    expect(two.message).toContain('sets user/pass and token: choose one way');
    const alone = failure(nats({ pass: SECRET }));
    expect(alone.message).toContain('"nats.connection.pass"');
    const empty = failure(nats({ user: 'a', pass: '' }));
    expect(empty.message).toContain('"nats.connection.pass" must be a non-empty string; got [redacted]');
    const notObject = failure(nats(`token ${SECRET}`));
    expect(notObject.message).toContain('"nats.connection"');
    for (const error of [two, alone, empty]) {
      expect(error.message).not.toContain(SECRET);
      expect(JSON.stringify(error.actual) ?? '').not.toContain(SECRET);
    }
  });

  it('kafka.client: a bad sasl never prints the password', () => {
    const bad = failure({
      transport: 'kafka',
      kafka: {
        brokers: ['b:9092'],
        client: { sasl: { mechanism: 'scram', username: 'u', password: SECRET } as never },
      },
    });
    expect(bad.message).toContain('"kafka.client.sasl.mechanism"');
    const notObject = failure({
      transport: 'kafka',
      kafka: { brokers: ['b:9092'], client: { sasl: `u:${SECRET}` as never } },
    });
    expect(notObject.message).toContain('"kafka.client.sasl"');
    for (const error of [bad, notObject])
      expect(`${error.message} ${JSON.stringify(error.actual)}`).not.toContain(SECRET);
  });
});
