import 'reflect-metadata';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DeadLetter,
  DeadLetterError,
  DeadLetters,
  DomainEvent,
  type DomainEventEnvelope,
} from '@app/eventbus';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { freePort } from '../support/processes';
import { waitFor } from '../support/recorder';
import { startApp } from '../support/test-app';
import { TRANSPORTS } from '../support/transports';

const root = fileURLToPath(new URL('../..', import.meta.url));
const library = `${root}libs/eventbus/`;
const { bin } = JSON.parse(readFileSync(`${library}package.json`, 'utf8')) as { bin: Record<string, string> };

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the package's `nest-ordered-eventbus` bin from the build, as `npx` would. */
function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`${library}${bin['nest-ordered-eventbus']}`, ...args],
      { timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describeWithBrokers('The dead-letter CLI against the real brokers', () => {
  beforeAll(() => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  });
  afterAll(async () => {
    for (const t of TRANSPORTS) await t.cleanup?.();
  });

  it('rejects a wrong command line with exit code 2 and the usage', async () => {
    const result = await cli('dlq', 'replay', '--transport', 'nats', '--topic', 'orders');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('replay needs --ids');
    expect(result.stderr).toContain('Usage:');
    expect((await cli('dlq', 'purge', '--transport', 'nats', '--topic', 'orders')).code).toBe(2);
    expect((await cli('dlq', 'list', '--transport', 'rabbit', '--topic', 'orders')).code).toBe(2);
  });

  it('prints the usage to stdout with exit code 0 for --help and -h', async () => {
    for (const flag of ['--help', '-h']) {
      const result = await cli(flag);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain('Usage:');
    }
    expect((await cli('dlq', 'list', '--help')).code).toBe(0);
  });

  it('fails with exit code 1 when the broker cannot be reached', async () => {
    const port = await freePort();
    const result = await cli(
      'dlq',
      'list',
      '--transport',
      'nats',
      '--topic',
      'orders',
      '--servers',
      `nats://127.0.0.1:${port}`,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: /);
  });

  describe.each(TRANSPORTS.filter((t) => t.name !== 'memory'))('on $name', (transport) => {
    it('lists dead letters as a table and as JSON, replays one id, then all, and a repeated replay replays nothing', async () => {
      const scope = uniqueName(`dlq-cli-${transport.name}`);
      const topic = `${scope}.orders`;
      const options = transport.options(scope);
      const connection =
        transport.name === 'kafka'
          ? ['--brokers', options.kafka!.brokers.join(',')]
          : ['--servers', String(options.nats!.servers), '--stream', options.nats!.stream!];
      const state = { healed: false };
      const handled: string[] = [];
      const deadLetters: DeadLetter[] = [];

      @Controller()
      class OrdersController {
        @DomainEvent(topic)
        onOrder(@Payload() e: DomainEventEnvelope) {
          if (!state.healed) throw new DeadLetterError(`rejected ${e.aggregateId}`);
          handled.push(e.aggregateId);
        }

        @DeadLetters(topic)
        onDeadLetter(@Payload() letter: DeadLetter) {
          deadLetters.push(letter);
        }
      }

      const app = await startApp(options, [OrdersController]);
      try {
        for (const id of ['a-1', 'b-1', 'c-1']) {
          await app.bus.publishDomainEvent(topic, { aggregateId: id, type: 'T', version: 1, payload: {} });
        }
        await waitFor(
          () => deadLetters.length >= 3,
          () => `${deadLetters.length} dead letters`,
        );
        const base = ['--transport', transport.name, '--topic', topic, ...connection];

        const table = await cli('dlq', 'list', ...base);
        expect(table.code).toBe(0);
        const lines = table.stdout.trim().split('\n');
        expect(lines[0]).toMatch(/^ID\s+FAILED AT\s+ATTEMPTS\s+KEY\s+REASON$/);
        expect(lines).toHaveLength(4);
        for (const letter of deadLetters) {
          expect(table.stdout).toContain(`rejected ${letter.key}`);
          expect(lines.some((l) => l.startsWith(`${letter.id} `))).toBe(true);
        }

        const listed = await cli('dlq', 'list', ...base, '--json', '--limit', '2');
        expect(listed.code).toBe(0);
        const json = JSON.parse(listed.stdout) as { id: string; key: string; value: string }[];
        expect(json).toHaveLength(2);
        expect(json.every((l) => deadLetters.some((d) => d.id === l.id))).toBe(true);

        state.healed = true;
        const target = deadLetters.find((l) => l.key === 'b-1')!;
        const one = await cli('dlq', 'replay', ...base, '--ids', target.id);
        expect(one.code).toBe(0);
        expect(one.stdout.trim()).toBe(`replayed 1 dead letter(s) to ${topic}: ${target.id}`);
        const repeated = await cli('dlq', 'replay', ...base, '--ids', target.id);
        expect(repeated.code).toBe(0);
        expect(repeated.stdout.trim()).toBe(`replayed 0 dead letter(s) to ${topic}`);
        await waitFor(
          () => handled.includes('b-1'),
          () => JSON.stringify(handled),
        );

        const all = await cli('dlq', 'replay', ...base, '--all', '--json');
        expect(all.code).toBe(0);
        expect((JSON.parse(all.stdout) as { key: string }[]).map((l) => l.key).sort()).toEqual([
          'a-1',
          'c-1',
        ]);
        const none = await cli('dlq', 'replay', ...base, '--all');
        expect(none.stdout.trim()).toBe(`replayed 0 dead letter(s) to ${topic}`);
        await waitFor(
          () => handled.length >= 3,
          () => JSON.stringify(handled),
        );
        expect([...handled].sort()).toEqual(['a-1', 'b-1', 'c-1']);

        const empty = await cli('dlq', 'list', ...base);
        expect(empty.code).toBe(0);
        expect(empty.stdout.trim()).toBe(`no dead letters waiting for ${topic}`);
      } finally {
        await app.close();
      }
    });
  });
});
