import { describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../envelope/envelope-codec';
import { DeadLetterHeaders, deadLetterHeaders } from '../transports/dead-letter-headers';
import { deadLetterTable } from './cli/dead-letter-table';
import { originalHeaders, readDeadLetter } from './dead-letter';

const origin = { topic: 'orders', offset: 7, key: 'order-1', group: 'svc' };

describe('dead letters', () => {
  it('carry the named headers; the stack only when given', () => {
    const headers = deadLetterHeaders(
      { a: '1' },
      { ...origin, partition: 2 },
      { reason: 'boom', attempts: 3, errorClass: 'TypeError' },
    );
    expect(headers).toMatchObject({
      a: '1',
      [DeadLetterHeaders.originalTopic]: 'orders',
      [DeadLetterHeaders.originalPartition]: '2',
      [DeadLetterHeaders.originalOffset]: '7',
      [DeadLetterHeaders.originalKey]: 'order-1',
      [DeadLetterHeaders.consumerGroup]: 'svc',
      [DeadLetterHeaders.error]: 'boom',
      [DeadLetterHeaders.errorClass]: 'TypeError',
      [DeadLetterHeaders.attempts]: '3',
    });
    expect(headers[DeadLetterHeaders.errorStack]).toBeUndefined();
    const withStack = deadLetterHeaders({}, origin, {
      reason: 'r',
      attempts: 1,
      stack: 'Error: r\n    at x',
    });
    expect(withStack[DeadLetterHeaders.errorStack]).toBe('Error: r\n    at x');
  });

  it('read back: fields from the headers, the envelope when the original decodes, the original headers without ours', () => {
    const encoded = encodeEnvelope({
      id: '018f0000-0000-7000-8000-000000000000',
      type: 'T',
      aggregateId: 'order-1',
      version: 1,
      occurredAt: new Date(0).toISOString(),
      payload: { n: 1 },
      metadata: {},
    });
    const headers = {
      ...deadLetterHeaders(encoded.headers, origin, { reason: 'boom', attempts: 2 }),
      [DeadLetterHeaders.replayCount]: '1',
    };
    const letter = readDeadLetter({ id: '9', key: 'order-1', value: encoded.value, headers });
    expect(letter).toMatchObject({ id: '9', topic: 'orders', key: 'order-1', reason: 'boom', attempts: 2 });
    expect(letter.envelope).toMatchObject({ aggregateId: 'order-1', payload: { n: 1 } });
    expect(letter.failedAt.getTime()).toBeGreaterThan(0);
    expect(originalHeaders(headers)).toEqual({ ...encoded.headers, [DeadLetterHeaders.replayCount]: '1' });

    const broken = readDeadLetter({ id: '10', key: undefined, value: Buffer.from('{'), headers: {} });
    expect(broken).toMatchObject({ topic: '', reason: '', attempts: 0, key: undefined });
    expect(broken.envelope).toBeUndefined();
    expect(deadLetterTable([letter, broken]).split('\n')).toEqual([
      expect.stringMatching(/^ID\s+FAILED AT\s+ATTEMPTS\s+KEY\s+REASON$/),
      expect.stringMatching(/^9\s+\d{4}-\d\d-\d\dT\S+Z\s+2\s+order-1\s+boom$/),
      expect.stringMatching(/^10\s+-\s+0\s+-$/),
    ]);
  });
});
