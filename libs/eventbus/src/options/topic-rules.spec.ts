import { describe, expect, it } from 'vitest';
import { InvalidTopicError } from '../errors/invalid-topic.error';
import { checkTopicName } from './topic-rules';

const ok = (...args: Parameters<typeof checkTopicName>) =>
  expect(() => checkTopicName(...args)).not.toThrow();
const refused = (...args: Parameters<typeof checkTopicName>) => {
  expect(() => checkTopicName(...args)).toThrow(InvalidTopicError);
  expect(() => checkTopicName(...args)).toThrow(`"${args[1]}"`);
};

describe('checkTopicName', () => {
  it('Kafka: letters, digits, ".", "_" and "-", at most 249 characters, not "." or ".."', () => {
    ok('kafka', 'orders', '.dlq');
    ok('kafka', 'Orders.v1_eu-west', '.dlq');
    ok('kafka', 'x'.repeat(245), '.dlq');
    for (const topic of ['', '.', '..', 'orders events', 'orders/eu', 'ordérs', 'orders.*', 'x'.repeat(250)])
      refused('kafka', topic, undefined);
  });

  it('Kafka: refuses a topic whose dead-letter topic would be too long, only while dead-lettering is on', () => {
    const topic = 'x'.repeat(246);
    refused('kafka', topic, '.dlq');
    expect(() => checkTopicName('kafka', topic, '.dlq')).toThrow(`"${topic}.dlq"`);
    ok('kafka', topic, undefined);
  });

  it('NATS: tokens separated by ".", none empty, no whitespace; wildcards as whole tokens, ">" only last', () => {
    ok('nats', 'orders', '.dlq');
    ok('nats', 'orders.eu.created', '.dlq');
    ok('nats', 'orders.*', '.dlq');
    ok('nats', 'orders.*.created', '.dlq');
    ok('nats', 'orders.>', undefined);
    ok('nats', 'orders/eu:1', '.dlq');
    for (const topic of [
      '',
      'orders..eu',
      '.orders',
      'orders.',
      'or ders',
      'orders\teu',
      'orders.e*',
      'orders.>.eu',
      'orders.a>',
    ])
      refused('nats', topic, undefined);
  });

  it('NATS: refuses a topic whose dead-letter subject would be invalid while dead-lettering is on', () => {
    refused('nats', 'orders.>', '.dlq');
    expect(() => checkTopicName('nats', 'orders.>', '.dlq')).toThrow('"orders.>.dlq"');
    refused('nats', 'orders.*', '-dlq');
  });

  it('NATS: refuses wildcards in a topic that is published to', () => {
    refused('nats', 'orders.*', undefined, 'publish');
    refused('nats', 'orders.>', undefined, 'publish');
    ok('nats', 'orders.eu', '.dlq', 'publish');
  });

  it('memory: the strictest combination of both, and no wildcards', () => {
    ok('memory', 'orders', '.dlq');
    ok('memory', 'orders.v1_eu-west', '.dlq');
    for (const topic of [
      'orders.*',
      'orders.>',
      'orders..eu',
      '.orders',
      'orders.',
      'or ders',
      'orders/eu',
      '.',
      'x'.repeat(250),
    ])
      refused('memory', topic, undefined);
    refused('memory', 'x'.repeat(246), '.dlq');
  });

  it('names the topic, the broker and the rule in the error', () => {
    try {
      checkTopicName('kafka', 'orders/eu', '.dlq');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidTopicError);
      const e = error as InvalidTopicError;
      expect(e.topic).toBe('orders/eu');
      expect(e.transport).toBe('kafka');
      expect(e.message).toMatch(/"orders\/eu".*Kafka.*"\/"/);
    }
  });
});
