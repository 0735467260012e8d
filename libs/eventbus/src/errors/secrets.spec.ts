import { describe, expect, it } from 'vitest';
import { brokerConnectionError, classifyConnectionFailure } from './connection-failure';
import { describeValue } from './describe-value';
import { InvalidOptionsError } from './invalid-options.error';
import { redactSecrets, scrubSecrets, secretValues } from './secrets';

const PASSWORD = 'hunter2-very-secret';

describe('secrets in values and messages', () => {
  it('describeValue shows secret properties as [redacted], at any depth', () => {
    const text = describeValue({ sasl: { mechanism: 'plain', password: PASSWORD }, tls: { key: 'PEM' } });
    expect(text).not.toContain(PASSWORD);
    expect(text).toContain('[redacted]');
    expect(describeValue({ user: 'app', pass: PASSWORD })).toBe('{"user":"app","pass":"[redacted]"}');
    expect(describeValue([{ token: PASSWORD }])).toBe('[{"token":"[redacted]"}]');
  });

  it('InvalidOptionsError never shows a secret option value, in the message or in actual', () => {
    const direct = new InvalidOptionsError('nats.connection.pass', 'a non-empty string', PASSWORD);
    expect(direct.message).not.toContain(PASSWORD);
    expect(direct.actual).toBe('[redacted]');
    const nested = new InvalidOptionsError('kafka.client', 'an object', { sasl: { password: PASSWORD } });
    expect(nested.message).not.toContain(PASSWORD);
    expect(JSON.stringify(nested.actual)).not.toContain(PASSWORD);
  });

  it('redactSecrets copies plain objects and leaves the original untouched', () => {
    const original = { user: 'u', password: PASSWORD };
    expect(redactSecrets(original)).toEqual({ user: 'u', password: '[redacted]' });
    expect(original.password).toBe(PASSWORD);
  });

  it('secretValues finds strings under secret keys (PEM lines too); scrubSecrets replaces them', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const secrets = secretValues({ sasl: { username: 'app', password: PASSWORD }, ssl: { key }, name: 'x' });
    expect(secrets).toContain(PASSWORD);
    expect(secrets).toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
    expect(secrets).not.toContain('app');
    expect(scrubSecrets(`failed for ${PASSWORD}`, secrets)).toBe('failed for [redacted]');
  });
});

describe('connection failures', () => {
  it('classifies driver errors: authentication, tls, unreachable', () => {
    expect(
      classifyConnectionFailure(
        Object.assign(new Error("'Authorization Violation'"), { name: 'AuthorizationError' }),
      ),
    ).toBe('authentication');
    expect(
      classifyConnectionFailure(Object.assign(new Error('x'), { name: 'KafkaJSSASLAuthenticationError' })),
    ).toBe('authentication');
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    expect(classifyConnectionFailure(new Error('retries exceeded', { cause: tls }))).toBe('tls');
    expect(
      classifyConnectionFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBe('unreachable');
  });

  it('BrokerConnectionError names the broker and the cause, secrets scrubbed', () => {
    const error = brokerConnectionError(
      'kafka',
      'b1:9093',
      Object.assign(new Error(`SASL failed for ${PASSWORD}`), { name: 'KafkaJSSASLAuthenticationError' }),
      { sasl: { mechanism: 'scram-sha-512', username: 'app', password: PASSWORD } },
    );
    expect(error).toMatchObject({ transport: 'kafka', broker: 'b1:9093', failure: 'authentication' });
    expect(error.message).toContain(
      'Cannot connect to kafka broker b1:9093: the broker refused the credentials',
    );
    expect(error.message).not.toContain(PASSWORD);
  });
});
