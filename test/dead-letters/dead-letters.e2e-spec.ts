import 'reflect-metadata';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DeadLetter,
  DeadLetterError,
  DeadLetterHeaders,
  DeadLetterQueue,
  DeadLetters,
  DomainEvent,
  type DomainEventEnvelope,
  type EventBusContext,
} from '@app/eventbus';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { waitFor } from '../support/recorder';
import { startApp } from '../support/test-app';
import { TRANSPORTS } from '../support/transports';

const MALFORMED = Buffer.from('{"id": "not json');

/** Handlers of one topic and of its dead letters, recording what they saw. */
function controllerFor(topic: string, state: { healed: boolean }) {
  const handled: { aggregateId: string; replayCount: string | undefined }[] = [];
  const deadLetters: DeadLetter[] = [];

  @Controller()
  class OrdersController {
    @DomainEvent(topic)
    onOrder(@Payload() e: DomainEventEnvelope, @Ctx() ctx: EventBusContext) {
      if (!state.healed && e.type === 'Poison') throw new Error('boom');
      if (!state.healed && e.type === 'Rejected') throw new DeadLetterError('rejected by rule');
      handled.push({
        aggregateId: e.aggregateId,
        replayCount: ctx.getHeaders()[DeadLetterHeaders.replayCount],
      });
    }

    @DeadLetters(topic)
    onDeadLetter(@Payload() letter: DeadLetter) {
      deadLetters.push(letter);
    }
  }
  return { OrdersController, handled, deadLetters };
}

describeWithBrokers('Dead letters you can read and replay', () => {
  afterAll(async () => {
    for (const t of TRANSPORTS) await t.cleanup?.();
  });

  describe.each(TRANSPORTS)('on $name', (transport) => {
    it('lists dead letters oldest first by failedAt, also when they were stored in another order', async () => {
      const scope = uniqueName(`dlq-order-${transport.name}`);
      const topic = `${scope}.orders`;
      const { OrdersController } = controllerFor(topic, { healed: false });
      const app = await startApp(transport.options(scope), [OrdersController]);
      try {
        const queue = app.app.get(DeadLetterQueue);
        expect(await queue.list(topic)).toEqual([]); // (memory keeps a topic's records for the groups it has)
        const transportOf = app.server.unwrap();
        // Stored second, failed first: two dead-letter writes can reach the broker in either order.
        for (const [key, at] of [
          ['later', '2026-01-01T00:00:02.000Z'],
          ['earlier', '2026-01-01T00:00:01.000Z'],
        ]) {
          await transportOf.publish(`${topic}.dlq`, {
            key,
            value: Buffer.from('{}'),
            headers: { [DeadLetterHeaders.deadLetteredAt]: at, [DeadLetterHeaders.originalTopic]: topic },
          });
        }
        const listed = await queue.list(topic);
        expect(listed.map((l) => l.key)).toEqual(['earlier', 'later']);
      } finally {
        await app.close();
      }
    });

    it('hands malformed, poison and DeadLetterError dead letters to @DeadLetters; lists them; replays one, then all, never twice', async () => {
      const scope = uniqueName(`dlq-${transport.name}`);
      const topic = `${scope}.orders`;
      const state = { healed: false };
      const { OrdersController, handled, deadLetters } = controllerFor(topic, state);
      const app = await startApp(
        {
          ...transport.options(scope),
          retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 50, jitter: 0 },
        },
        [OrdersController],
      );
      try {
        const event = (aggregateId: string, type: string) => ({
          aggregateId,
          type,
          version: 1,
          payload: { n: 1 },
        });
        await app.server.unwrap().publish(topic, {
          key: 'malformed-1',
          value: MALFORMED,
          headers: { 'content-type': 'application/json', 'x-custom': 'kept' },
        });
        await app.bus.publishDomainEvent(topic, event('poison-1', 'Poison'));
        await app.bus.publishDomainEvent(topic, event('rejected-1', 'Rejected'));
        await app.bus.publishDomainEvent(topic, event('healthy-1', 'Placed'));

        await waitFor(
          () => deadLetters.length >= 3 && handled.length >= 1,
          () => `${deadLetters.length} dead letters, ${handled.length} handled`,
        );
        expect(handled).toEqual([{ aggregateId: 'healthy-1', replayCount: undefined }]);
        const byKey = new Map(deadLetters.map((l) => [l.key, l]));
        expect([...byKey.keys()].sort()).toEqual(['malformed-1', 'poison-1', 'rejected-1']);

        const malformed = byKey.get('malformed-1')!;
        expect(malformed.topic).toBe(topic);
        expect(malformed.envelope).toBeUndefined();
        expect(malformed.value.equals(MALFORMED)).toBe(true);
        expect(malformed.reason).toMatch(/undecodable/);
        expect(malformed.headers['content-type']).toBe('application/json');
        expect(malformed.headers['x-custom']).toBe('kept');
        expect(malformed.headers[DeadLetterHeaders.errorClass]).toBe('EnvelopeDecodeError');

        const poison = byKey.get('poison-1')!;
        expect(poison.attempts).toBe(2);
        expect(poison.reason).toMatch(/boom/);
        expect(poison.envelope).toMatchObject({ aggregateId: 'poison-1', type: 'Poison', payload: { n: 1 } });
        expect(poison.headers[DeadLetterHeaders.errorClass]).toBe('Error');
        expect(poison.headers[DeadLetterHeaders.originalKey]).toBe('poison-1');
        expect(poison.headers[DeadLetterHeaders.consumerGroup]).toBeTruthy();
        expect(poison.headers[DeadLetterHeaders.originalOffset]).toMatch(/^\d+$/);
        expect(poison.headers[DeadLetterHeaders.errorStack]).toBeUndefined();
        expect(poison.failedAt.getTime()).toBeGreaterThan(Date.now() - 120_000);

        const rejected = byKey.get('rejected-1')!;
        expect(rejected.attempts).toBe(1);
        expect(rejected.reason).toBe('rejected by rule');
        expect(rejected.headers[DeadLetterHeaders.errorClass]).toBe('DeadLetterError');

        const queue = app.app.get(DeadLetterQueue);
        const listed = await queue.list(topic);
        expect(listed.map((l) => l.key).sort()).toEqual(['malformed-1', 'poison-1', 'rejected-1']);
        expect(listed.map((l) => l.id).sort()).toEqual(deadLetters.map((l) => l.id).sort());
        const times = listed.map((l) => l.failedAt.getTime());
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(await queue.list(topic, { limit: 1 })).toHaveLength(1);

        state.healed = true;
        const first = await queue.replay(topic, { ids: [poison.id] });
        expect(first.map((l) => l.key)).toEqual(['poison-1']);
        expect(await queue.replay(topic, { ids: [poison.id] })).toEqual([]);
        await waitFor(
          () => handled.some((h) => h.aggregateId === 'poison-1'),
          () => JSON.stringify(handled),
        );
        expect(handled.find((h) => h.aggregateId === 'poison-1')!.replayCount).toBe('1');
        expect((await queue.list(topic)).map((l) => l.key).sort()).toEqual(['malformed-1', 'rejected-1']);

        const progress: string[] = [];
        const rest = await queue.replay(
          topic,
          { all: true },
          { onProgress: (n, total) => progress.push(`${n}/${total}`) },
        );
        expect(rest.map((l) => l.key).sort()).toEqual(['malformed-1', 'rejected-1']);
        expect(progress).toEqual(['1/2', '2/2']);
        // A second replay right after never republishes what the first did.
        const again = await queue.replay(topic, { all: true });
        expect(again.filter((l) => rest.some((r) => r.id === l.id))).toEqual([]);

        await waitFor(
          () =>
            handled.some((h) => h.aggregateId === 'rejected-1') &&
            deadLetters.filter((l) => l.key === 'malformed-1').length >= 2,
          () => `${JSON.stringify(handled)}; ${deadLetters.length} dead letters`,
        );
        expect(handled.find((h) => h.aggregateId === 'rejected-1')!.replayCount).toBe('1');
        // The malformed original cannot be healed: replayed byte for byte, it is dead-lettered again.
        const bounced = deadLetters.filter((l) => l.key === 'malformed-1')[1];
        expect(bounced.value.equals(MALFORMED)).toBe(true);
        expect(bounced.headers[DeadLetterHeaders.replayCount]).toBe('1');
        expect(bounced.headers['x-custom']).toBe('kept');
        expect(handled.filter((h) => h.aggregateId === 'poison-1')).toHaveLength(1);
      } finally {
        await app.close();
      }
    });
  });

  it('write the error stack only with deadLetter.includeStack', async () => {
    const memory = TRANSPORTS.find((t) => t.name === 'memory') ?? {
      options: (scope: string) => ({ transport: 'memory' as const, memory: { broker: scope } }),
    };
    const scope = uniqueName('dlq-stack');
    const topic = `${scope}.orders`;
    const { OrdersController, deadLetters } = controllerFor(topic, { healed: false });
    const app = await startApp(
      { ...memory.options(scope), retry: { maxAttempts: 1 }, deadLetter: { includeStack: true } },
      [OrdersController],
    );
    try {
      await app.bus.publishDomainEvent(topic, { aggregateId: 'p', type: 'Poison', version: 1, payload: {} });
      await waitFor(
        () => deadLetters.length === 1,
        () => `${deadLetters.length} dead letters`,
      );
      expect(deadLetters[0].headers[DeadLetterHeaders.errorStack]).toMatch(/^Error: boom\n\s+at /);
    } finally {
      await app.close();
    }
  });
});
