import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeWithBrokers } from '../test/support/brokers';
import type { ContenderRunResult } from './lib/contender';
import type { ContenderSummary } from './lib/summarize';

/** Runs `bench/run.ts` as `npm run bench` does and resolves with its exit code and output. */
function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'bench/run.ts', ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describeWithBrokers('benchmark harness, --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'eventbus-bench-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs JetStream no-op and memory scale with every contender complete, in order, and reports them', async () => {
    const { code, output } = await runBench([
      '--quick',
      '--only',
      'jetstream-noop,memory-scale',
      '--out',
      out,
    ]);
    const report = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as {
      summaries: ContenderSummary[];
      runs: ContenderRunResult[];
    };

    expect(report.summaries.map((s) => `${s.scenario}/${s.contender}`)).toEqual([
      'jetstream-noop/eventbus',
      'jetstream-noop/eventbus-unobserved',
      'jetstream-noop/jetstream-consume',
      'memory-scale/eventbus',
    ]);
    for (const run of report.runs) {
      expect(run, output).toMatchObject({ status: 'complete', lost: 0, orderViolations: 0, unexpected: 0 });
      expect(run.expected).toBeGreaterThanOrEqual(5_000);
      expect(run.distinct).toBe(run.expected);
      expect(run.msgsPerSec).toBeGreaterThan(0);
      expect(run.peakRssMb).toBeGreaterThan(0);
    }
    for (const summary of report.summaries) expect(summary).toMatchObject({ ok: true, problems: [] });

    const table = readFileSync(join(out, 'latest.md'), 'utf8');
    expect(table).toContain('| jetstream-noop | this library | ✓ | 5,000 |');
    expect(table).toContain('| jetstream-noop | jetstream consume() | ✓ | 5,000 |');
    expect(table).toContain('| memory-scale | this library | ✓ | 20,000 |');
    expect(readFileSync(join(out, 'throughput.svg'), 'utf8')).toMatch(
      /^<svg[^>]*>[\s\S]*this library[\s\S]*<\/svg>\n$/,
    );
    expect(output).toMatch(/scenario\s+contender\s+ok\s+messages\s+msgs\/s/);
    expect(code, output).toBe(0);
  }, 180_000);

  it('Kafka no-op: the library, plain eachBatch and Nest ServerKafka all read the one data set the library published', async () => {
    const kafkaOut = join(out, 'kafka');
    const { code, output } = await runBench([
      '--quick',
      '--only',
      'kafka-noop',
      '--contenders',
      'eventbus,kafkajs-each-batch,nest-server-kafka',
      '--out',
      kafkaOut,
    ]);
    const report = JSON.parse(readFileSync(join(kafkaOut, 'latest.json'), 'utf8')) as {
      runs: ContenderRunResult[];
    };

    expect(report.runs.map((r) => r.contender)).toEqual([
      'eventbus',
      'kafkajs-each-batch',
      'nest-server-kafka',
    ]);
    for (const run of report.runs) {
      expect(run, output).toMatchObject({ status: 'complete', lost: 0, orderViolations: 0, unexpected: 0 });
      expect(run.distinct).toBe(5_000);
    }
    // Published once, through the library, before the first contender; no contender publishes its own copy.
    expect(output.match(/published \d+ events/g)).toEqual(['published 5000 events']);
    expect(output).toContain('[kafka-noop] published 5000 events once for every contender');
    expect(code, output).toBe(0);
  }, 180_000);
});
