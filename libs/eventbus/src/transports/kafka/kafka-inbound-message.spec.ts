import type { LoggerService } from '@nestjs/common';
import type { KafkaMessage, Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { MessageRevokedError } from '../../errors/message-revoked.error';
import { KafkaDeadLetterWriter } from './kafka-dead-letter-writer';
import { KafkaInboundMessage } from './kafka-inbound-message';
import { PartitionWatermark } from './partition-watermark';

const logger: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A record at offset 5 of orders[0], delivered (tracked by its watermark); dead letters are recorded. */
function delivered(options: { deadLettering?: boolean; headers?: KafkaMessage['headers'] } = {}) {
  const written: { topic: string; message: Message }[] = [];
  const writer = new KafkaDeadLetterWriter('.dlq', 'g', async (topic, message) => {
    written.push({ topic, message });
  });
  const watermark = new PartitionWatermark('orders', 0);
  watermark.track(5);
  const raw: KafkaMessage = {
    key: Buffer.from('agg-1'),
    value: Buffer.from('{}'),
    headers: options.headers ?? {},
    offset: '5',
    timestamp: '0',
    attributes: 0,
  };
  const message = new KafkaInboundMessage(
    'orders',
    0,
    raw,
    watermark,
    options.deadLettering === false ? undefined : writer,
    logger,
  );
  return { message, watermark, written };
}

describe('KafkaInboundMessage', () => {
  it('reads one header as headers[name] does, converting only that value until every header is read', () => {
    const value = Buffer.from('order-1');
    const { message } = delivered({
      headers: {
        ce_subject: value,
        ce_type: [Buffer.from('Old'), Buffer.from('OrderPlaced')],
        empty: undefined,
      },
    });
    let converted = 0;
    const toString = value.toString.bind(value);
    value.toString = (...args: Parameters<Buffer['toString']>) => (converted++, toString(...args));

    expect(message.header('ce_type')).toBe('OrderPlaced'); // of a repeated key, the last value
    expect(message.header('missing')).toBeUndefined();
    expect(converted).toBe(0);
    expect(message.header('ce_subject')).toBe('order-1');
    expect(converted).toBe(1);

    expect(message.headers).toEqual({ ce_subject: 'order-1', ce_type: 'OrderPlaced', empty: '' });
    expect(message.header('empty')).toBe('');
    expect(message.key).toBe('agg-1');
  });

  it('dead-letters an owned record: written, then settled', async () => {
    const { message, watermark, written } = delivered();
    await message.deadLetter({ reason: 'boom', attempts: 3 });
    expect(written.map((w) => w.topic)).toEqual(['orders.dlq']);
    expect(watermark.pendingCount).toBe(0);
    expect(watermark.watermark).toBe(6);
  });

  it('on a revoked partition, deadLetter writes nothing, releases the record and rejects with MessageRevokedError', async () => {
    for (const deadLettering of [true, false]) {
      const { message, watermark, written } = delivered({ deadLettering });
      watermark.revoke();
      const error = await message.deadLetter({ reason: 'boom', attempts: 3 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MessageRevokedError);
      expect(error).toMatchObject({ name: 'MessageRevokedError', topic: 'orders', sequence: 5 });
      expect(written).toEqual([]);
      // Released: nothing settled, and later settlements are no-ops.
      await message.ack();
      expect(watermark.pendingCount).toBe(1);
      expect(watermark.watermark).toBe(5);
    }
  });
});
