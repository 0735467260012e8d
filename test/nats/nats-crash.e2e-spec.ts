import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { describeWithBrokers, NATS_SERVERS } from '../support/brokers';
import { aggregateIds, publishDomainRounds } from '../support/publishing';
import { range, waitFor } from '../support/recorder';
import { startApp, type TestApp } from '../support/test-app';
import { JetStreamProbe, uniqueStream } from './nats-test-kit';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONSUMER = 'test/nats/fixtures/nats-crash-consumer.ts';

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

describeWithBrokers('NATS: a consumer process killed with SIGKILL mid-stream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nats-crash-'));
  const children: ChildProcess[] = [];
  const apps: TestApp[] = [];
  const stream = uniqueStream('NCRASH');
  const topic = `${stream}.events`;

  afterAll(async () => {
    await Promise.all(children.map(kill));
    await Promise.all(apps.map((a) => a.close()));
    const probe = await JetStreamProbe.open();
    await probe.close([stream]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('handles every event at least once after a restart, first handlings in per-aggregate order', async () => {
    const aggregates = aggregateIds(20);
    const log = join(dir, 'handled.log');
    const env = {
      TOPIC: topic,
      STREAM: stream,
      DURABLE: 'crash-consumer',
      HANDLED_LOG: log,
      NATS_SERVERS,
      HANDLER_MS: '20',
      // Longer than a restart takes: the dead consumer's events are not due again when the second one starts.
      ACK_WAIT_MS: '6000',
    };
    const publisher = await startApp(
      { transport: 'nats', nats: { servers: NATS_SERVERS, stream, durable: 'publisher' } },
      [],
    );
    apps.push(publisher);
    const publishVersions = async (from: number, to: number) => {
      for (let version = from; version <= to; version++) {
        await Promise.all(
          aggregates.map((aggregateId) =>
            publisher.bus.publishDomainEvent(topic, {
              aggregateId,
              type: 'TestEvent',
              version,
              payload: { aggregateId, version },
            }),
          ),
        );
      }
    };
    await publishDomainRounds(publisher.bus, topic, aggregates, 20);

    // First consumer: takes every published event, is killed once about a quarter is handled.
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
    await publishVersions(21, 30);
    const second = await startConsumer(env);
    children.push(second);
    const total = aggregates.length * 30;
    const missing = () => {
      const seen = new Set(handled(log).map((h) => `${h.aggregateId}:${h.version}`));
      return aggregates.flatMap((a) => range(30).map((v) => `${a}:${v}`)).filter((k) => !seen.has(k));
    };
    await waitFor(
      () => missing().length === 0,
      () => `not handled: ${missing().length} of ${total}`,
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
