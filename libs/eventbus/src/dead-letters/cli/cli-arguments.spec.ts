import { describe, expect, it } from 'vitest';
import { parseCliArguments } from './cli-arguments';
import { CliUsageError } from './cli-usage.error';

describe('dlq command line', () => {
  it('reads list and replay with their connection options', () => {
    expect(
      parseCliArguments([
        'dlq',
        'list',
        '--transport',
        'kafka',
        '--topic',
        'orders',
        '--brokers',
        'a:1, b:2',
        '--limit',
        '5',
      ]),
    ).toMatchObject({
      command: 'list',
      topic: 'orders',
      limit: 5,
      selection: undefined,
      options: { transport: 'kafka', kafka: { brokers: ['a:1', 'b:2'] } },
    });
    expect(
      parseCliArguments([
        'dlq',
        'replay',
        '--transport',
        'nats',
        '--topic',
        'orders',
        '--stream',
        'S',
        '--ids',
        '3,7',
        '--suffix=-dl',
      ]),
    ).toMatchObject({
      command: 'replay',
      selection: { ids: ['3', '7'] },
      options: {
        transport: 'nats',
        nats: { servers: ['nats://localhost:4222'], stream: 'S' },
        deadLetter: { suffix: '-dl' },
      },
    });
    expect(
      parseCliArguments(['dlq', 'replay', '--transport', 'nats', '--topic', 'o', '--all']).selection,
    ).toEqual({ all: true });
  });

  it.each([
    [['dlq', 'list', '--topic', 'o'], /--transport must be kafka or nats/],
    [['dlq', 'list', '--transport', 'memory', '--topic', 'o'], /--transport must be kafka or nats/],
    [['dlq', 'list', '--transport', 'nats'], /--topic is required/],
    [['dlq', 'drop', '--transport', 'nats', '--topic', 'o'], /expected "dlq list" or "dlq replay"/],
    [['dlq', 'replay', '--transport', 'nats', '--topic', 'o'], /needs --ids/],
    [
      ['dlq', 'replay', '--transport', 'nats', '--topic', 'o', '--ids', '1', '--all'],
      /either --ids or --all/,
    ],
    [['dlq', 'list', '--transport', 'nats', '--topic', 'o', '--all'], /belong to replay/],
    [['dlq', 'list', '--transport', 'nats', '--topic', 'o', '--limit', '0'], /--limit/],
    [['dlq', 'list', '--transport', 'nats', '--topic', 'o', '--typo'], /typo/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliArguments(argv)).toThrow(CliUsageError);
    expect(() => parseCliArguments(argv)).toThrow(message);
  });
});
