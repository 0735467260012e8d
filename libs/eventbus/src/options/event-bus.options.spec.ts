import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { resolveEventBusOptions, type EventBusModuleOptions } from './event-bus.options';
import { MAX_TIMER_MS } from './option-checks';

const kafka = { brokers: ['localhost:9092'] };
const resolve = (options: unknown) => () => resolveEventBusOptions(options as EventBusModuleOptions);

describe('resolveEventBusOptions: unknown keys', () => {
  const typos: [string, unknown, string][] = [
    ['top level', { transprot: 'memory' }, '"transport"'],
    ['dispatcher', { dispatcher: { maxConcurency: 4 } }, '"dispatcher.maxConcurrency"'],
    ['retry', { retry: { maxAttempt: 3 } }, '"retry.maxAttempts"'],
    ['deadLetter', { deadLetter: { sufix: '.dlq' } }, '"deadLetter.suffix"'],
    ['memory', { memory: { brokr: 'x' } }, '"memory.broker"'],
    ['kafka', { transport: 'kafka', kafka: { ...kafka, clientID: 'x' } }, '"kafka.clientId"'],
    ['nats', { transport: 'nats', nats: { strem: 'EVENTS' } }, '"nats.stream"'],
    ['an unused transport section', { nats: { durabel: 'x' } }, '"nats.durable"'],
  ];
  for (const [level, options, closest] of typos) {
    it(`rejects a typo at the ${level}, naming the key and the closest valid name`, () => {
      expect(resolve(options)).toThrow(InvalidOptionsError);
      expect(resolve(options)).toThrow(/is unknown/);
      expect(resolve(options)).toThrow(closest);
    });
  }

  it('names the unknown key with its path', () => {
    expect(resolve({ dispatcher: { maxConcurency: 4 } })).toThrow('"dispatcher.maxConcurency"');
  });

  it('passes kafka.client through unchecked', () => {
    const resolved = resolveEventBusOptions({
      transport: 'kafka',
      kafka: { ...kafka, client: { ssl: true, anythingKafkajsTakes: 1 } as never },
    });
    expect(resolved.kafka?.client).toMatchObject({ ssl: true });
  });

  it('rejects a section that is not an object', () => {
    expect(resolve({ dispatcher: 5 })).toThrow(/"dispatcher" must be an object/);
    expect(resolve({ retry: [] })).toThrow(/"retry" must be an object/);
    expect(resolve({ deadLetter: 'x' })).toThrow(/"deadLetter" must be/);
  });
});

describe('resolveEventBusOptions: timers', () => {
  const timers: [string, (ms: number) => EventBusModuleOptions][] = [
    ['retry.initialDelayMs', (ms) => ({ retry: { initialDelayMs: ms, maxDelayMs: MAX_TIMER_MS } })],
    ['retry.maxDelayMs', (ms) => ({ retry: { maxDelayMs: ms } })],
    ['dispatcher.handlerTimeoutMs', (ms) => ({ dispatcher: { handlerTimeoutMs: ms } })],
    ['dispatcher.timeoutGraceMs', (ms) => ({ dispatcher: { timeoutGraceMs: ms } })],
    ['dispatcher.shutdownTimeoutMs', (ms) => ({ dispatcher: { shutdownTimeoutMs: ms } })],
    ['publishTimeoutMs', (ms) => ({ publishTimeoutMs: ms })],
    ['kafka.sessionTimeout', (ms) => ({ transport: 'kafka', kafka: { ...kafka, sessionTimeout: ms } })],
    ['kafka.heartbeatInterval', (ms) => ({ transport: 'kafka', kafka: { ...kafka, heartbeatInterval: ms } })],
    ['kafka.commitIntervalMs', (ms) => ({ transport: 'kafka', kafka: { ...kafka, commitIntervalMs: ms } })],
    ['nats.ackWaitMs', (ms) => ({ transport: 'nats', nats: { ackWaitMs: ms } })],
  ];
  for (const [option, options] of timers) {
    it(`accepts ${option} up to 2^31-1 ms and rejects more, naming the option`, () => {
      expect(() => resolveEventBusOptions(options(MAX_TIMER_MS))).not.toThrow();
      expect(() => resolveEventBusOptions(options(MAX_TIMER_MS + 1))).toThrow(`"${option}"`);
      expect(() => resolveEventBusOptions(options(Number.NaN))).toThrow(`"${option}"`);
    });
  }

  it('defaults timeoutGraceMs to handlerTimeoutMs, at most 30 s', () => {
    expect(resolveEventBusOptions({}).dispatcher.timeoutGraceMs).toBe(30_000);
    expect(resolveEventBusOptions({ dispatcher: { handlerTimeoutMs: 500 } }).dispatcher.timeoutGraceMs).toBe(
      500,
    );
    expect(
      resolveEventBusOptions({ dispatcher: { handlerTimeoutMs: 120_000 } }).dispatcher.timeoutGraceMs,
    ).toBe(30_000);
    expect(resolveEventBusOptions({ dispatcher: { timeoutGraceMs: 0 } }).dispatcher.timeoutGraceMs).toBe(0);
    expect(resolve({ dispatcher: { timeoutGraceMs: -1 } })).toThrow('"dispatcher.timeoutGraceMs"');
  });
});

describe('resolveEventBusOptions: dead-letter suffix and retention per broker', () => {
  it('checks the suffix against the chosen broker, memory applying the strictest rules', () => {
    expect(resolve({ transport: 'kafka', kafka, deadLetter: { suffix: '/dlq' } })).toThrow(
      '"deadLetter.suffix"',
    );
    expect(resolve({ transport: 'nats', deadLetter: { suffix: '.>' } })).toThrow('"deadLetter.suffix"');
    expect(resolve({ transport: 'nats', deadLetter: { suffix: '.dl q' } })).toThrow('"deadLetter.suffix"');
    expect(resolve({ transport: 'nats', deadLetter: { suffix: '.' } })).toThrow('"deadLetter.suffix"');
    expect(resolve({ deadLetter: { suffix: '.*' } })).toThrow('"deadLetter.suffix"');
    expect(resolve({ deadLetter: { suffix: '..dlq' } })).toThrow('"deadLetter.suffix"');
    expect(resolve({ deadLetter: { suffix: '/dlq' } })).toThrow('"deadLetter.suffix"');
    expect(
      resolveEventBusOptions({ transport: 'kafka', kafka, deadLetter: { suffix: '..dlq' } }),
    ).toMatchObject({ deadLetterSuffix: '..dlq' });
    expect(resolveEventBusOptions({ transport: 'nats', deadLetter: { suffix: '-dlq' } })).toMatchObject({
      deadLetterSuffix: '-dlq',
    });
    expect(resolveEventBusOptions({ deadLetter: { suffix: '.dead_letters' } })).toMatchObject({
      deadLetterSuffix: '.dead_letters',
    });
  });

  it("refuses NATS 'interest' or 'workqueue' retention while dead-lettering is on", () => {
    for (const retention of ['interest', 'workqueue'] as const) {
      expect(resolve({ transport: 'nats', nats: { retention } })).toThrow(InvalidOptionsError);
      expect(resolve({ transport: 'nats', nats: { retention } })).toThrow(
        /"nats.retention".*deadLetter: false/,
      );
      expect(
        resolveEventBusOptions({ transport: 'nats', nats: { retention }, deadLetter: false }).nats?.retention,
      ).toBe(retention);
    }
    expect(resolveEventBusOptions({ transport: 'nats', nats: { retention: 'limits' } }).nats?.retention).toBe(
      'limits',
    );
  });
});
