import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { check } from '../../options/option-checks';
import { rejectUnknownKeys } from '../../options/unknown-keys';

/** nats.js connection settings the transport owns, and why: `nats.connection` must not set them. */
const OWNED = {
  servers: 'set the addresses with "nats.servers"',
  port: 'set the addresses with "nats.servers"',
  reconnect:
    'the transport reconnects forever after a successful start (its pull loops and order recovery rely on it)',
  maxReconnectAttempts:
    'the transport reconnects forever after a successful start (its pull loops and order recovery rely on it)',
  waitOnFirstConnect:
    'the first connection is tried once, so that a wrong address, credentials or certificate fail the start',
  debug: 'nats.js debug output prints the protocol, credentials included, to the console',
} as const;

type Owned = keyof typeof OWNED;

/**
 * nats.js `ConnectionOptions` passed through as `nats.connection`: credentials (`user` + `pass`, `token`, or
 * an `authenticator` such as `nkeyAuthenticator(seed)` or `credsAuthenticator(creds)`), `tls` (`ca`/`caFile`,
 * `cert`/`certFile`, `key`/`keyFile`), `name`, `timeout` (first connection, ms; nats.js default 20000),
 * `pingInterval`, `reconnectTimeWait` and the rest, except the settings the transport owns: `servers` and
 * `port` (use `nats.servers`), `reconnect`, `maxReconnectAttempts`, `waitOnFirstConnect` and `debug`.
 */
export type NatsConnectionOptions = Omit<NodeConnectionOptions, Owned>;

/** Every key nats.js accepts, checked by the compiler against `NodeConnectionOptions`. */
const NATS_CONNECTION_KEYS = Object.keys({
  authenticator: true,
  debug: true,
  maxPingOut: true,
  maxReconnectAttempts: true,
  name: true,
  noEcho: true,
  noRandomize: true,
  pass: true,
  pedantic: true,
  pingInterval: true,
  port: true,
  reconnect: true,
  reconnectDelayHandler: true,
  reconnectJitter: true,
  reconnectJitterTLS: true,
  reconnectTimeWait: true,
  servers: true,
  timeout: true,
  tls: true,
  token: true,
  user: true,
  verbose: true,
  waitOnFirstConnect: true,
  ignoreClusterUpdates: true,
  inboxPrefix: true,
  ignoreAuthErrorAbort: true,
  noAsyncTraces: true,
  resolve: true,
  reconnectToServer: true,
} satisfies Record<keyof NodeConnectionOptions, true>);

/**
 * Checks `nats.connection`: a plain object of nats.js connection options, without the settings the transport
 * owns and with one way of authenticating (`user` + `pass`, `token` or `authenticator`). Throws
 * `InvalidOptionsError`; a secret never appears in its message.
 */
export function checkNatsConnection(value: NatsConnectionOptions | undefined): NatsConnectionOptions {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionsError('nats.connection', 'an object of nats.js connection options', value);
  }
  rejectUnknownKeys('nats.connection', value, NATS_CONNECTION_KEYS);
  for (const key of Object.keys(value)) {
    if (key in OWNED) {
      throw new InvalidOptionsError(`nats.connection.${key}`, 'left out', undefined, {
        message: `EventBusModule option "nats.connection.${key}" cannot be set: ${OWNED[key as Owned]}.`,
      });
    }
  }
  const { user, pass, token, authenticator, name, timeout, tls } = value;
  for (const [key, text] of Object.entries({ user, pass, token, name })) {
    if (text !== undefined) check.nonEmptyString(`nats.connection.${key}`, text);
  }
  if (pass !== undefined && user === undefined) {
    throw new InvalidOptionsError('nats.connection.pass', 'set together with "nats.connection.user"', pass);
  }
  const methods = [
    user !== undefined && 'user/pass',
    token !== undefined && 'token',
    authenticator !== undefined && 'authenticator',
  ].filter((method) => method !== false);
  if (methods.length > 1) {
    throw new InvalidOptionsError('nats.connection', 'one way of authenticating', undefined, {
      message:
        `EventBusModule option "nats.connection" sets ${methods.join(' and ')}: choose one way of ` +
        'authenticating (user and pass, token, or an authenticator such as nkeyAuthenticator or credsAuthenticator).',
    });
  }
  if (timeout !== undefined) check.durationMs('nats.connection.timeout', timeout, 1);
  if (tls !== undefined && tls !== null && (typeof tls !== 'object' || Array.isArray(tls))) {
    throw new InvalidOptionsError('nats.connection.tls', 'an object of TLS options (or null)', tls);
  }
  return value;
}
