import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import type { EventBusModuleOptions } from '@app/eventbus';
import { describeWithBrokers, uniqueName } from '../support/brokers';
import { aggregateIds, publishDomainRounds } from '../support/publishing';
import { range, waitFor } from '../support/recorder';
import { startApp, type TestApp } from '../support/test-app';
import { TRANSPORTS } from '../support/transports';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONSUMER = 'test/crash/crash-consumer.ts';

/** Starts the consumer process and resolves once it consumes. */
async function startConsumer(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', CONSUMER], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(
    () => output.includes('ready') || child.exitCode !== null,
    () => `consumer process not ready; output: ${output}`,
    60_000,
  );
  if (!output.includes('ready')) throw new Error(`consumer process exited: ${output}`);
  return child;
}

function kill(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.signalCode);
    child.once('exit', (_code, signal) => resolve(signal));
    child.kill('SIGKILL');
  });
}

/** `aggregateId version` lines in the order the handlers appended them. */
function handled(log: string): { aggregateId: string; version: number }[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [aggregateId, version] = line.split(' ');
      return { aggregateId, version: Number(version) };
    });
}

/** Consumer settings that make the crash visible quickly on each broker. */
const consumerTuning: Record<string, (options: EventBusModuleOptions) => EventBusModuleOptions> = {
  kafka: (o) => ({
    ...o,
    kafka: { ...o.kafka!, sessionTimeout: 6_000, heartbeatInterval: 500, commitIntervalMs: 100 },
  }),
  // Longer than a restart takes: the dead consumer's events are not due again when the second one starts.
  nats: (o) => ({ ...o, nats: { ...o.nats, ackWaitMs: 6_000 } }),
};

for (const transport of TRANSPORTS.filter((t) => t.name !== 'memory')) {
  describeWithBrokers(`${transport.name}: a consumer process killed with SIGKILL mid-stream`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventbus-crash-'));
    const children: ChildProcess[] = [];
    const apps: TestApp[] = [];
    const scope = uniqueName('crash');
    const topic = `${scope}.events`;

    afterAll(async () => {
      await Promise.all(children.map(kill));
      await Promise.all(apps.map((a) => a.close()));
      await transport.cleanup?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it('handles every event at least once after a restart, first handlings in per-aggregate order', async () => {
      const aggregates = aggregateIds(20);
      const log = join(dir, 'handled.log');
      const env = {
        TOPIC: topic,
        HANDLED_LOG: log,
        HANDLER_MS: '40',
        EVENTBUS_OPTIONS: JSON.stringify(
          consumerTuning[transport.name](transport.options(scope, 'consumer')),
        ),
      };
      const publisher = await startApp(transport.options(scope, 'publisher'), []);
      apps.push(publisher);
      await publishDomainRounds(publisher.bus, topic, aggregates, 20);

      // First consumer: killed without any chance to commit or acknowledge once about a quarter is handled.
      const first = await startConsumer(env);
      children.push(first);
      await waitFor(
        () => handled(log).length >= 100,
        () => `first consumer handled ${handled(log).length}`,
        60_000,
      );
      expect(await kill(first)).toBe('SIGKILL');
      const beforeRestart = handled(log).length;
      expect(beforeRestart).toBeLessThan(400);

      // Newer events arrive while no consumer runs: they must not overtake the ones the dead consumer held.
      await publishDomainRounds(publisher.bus, topic, aggregates, 30, 21);
      const second = await startConsumer(env);
      children.push(second);
      const missing = () => {
        const seen = new Set(handled(log).map((h) => `${h.aggregateId}:${h.version}`));
        return aggregates.flatMap((a) => range(30).map((v) => `${a}:${v}`)).filter((k) => !seen.has(k));
      };
      await waitFor(
        () => missing().length === 0,
        () => `not handled: ${missing().length} of 600`,
        60_000,
      );
      await kill(second);

      const lines = handled(log);
      expect(lines.length).toBeGreaterThan(beforeRestart);
      for (const aggregateId of aggregates) {
        const seen = new Set<number>();
        const firstHandlings = lines
          .filter((h) => h.aggregateId === aggregateId)
          .map((h) => h.version)
          .filter((v) => !seen.has(v) && seen.add(v));
        expect(firstHandlings, `first handlings of ${aggregateId}`).toEqual(range(30));
      }
    });
  });
}
