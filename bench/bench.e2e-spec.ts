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

/** The JSON report a run wrote into `dir`. */
function readReport(dir: string): { summaries: ContenderSummary[]; runs: ContenderRunResult[] } {
  return JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'));
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
    const report = readReport(out);

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

  it('JetStream scale-out: 3 instances share the 6 partitions, and their handlings are checked together', async () => {
    const scaleOut = join(out, 'scale');
    const args = ['--only', 'jetstream-scale', '--contenders', 'eventbus-3-instances'];
    const { code, output } = await runBench(['--quick', ...args, '--out', scaleOut]);
    const report = readReport(scaleOut);

    expect(report.runs, output).toHaveLength(1);
    const [run] = report.runs;
    expect(run, output).toMatchObject({
      contender: 'eventbus-3-instances',
      status: 'complete',
      expected: 500,
      distinct: 500,
      lost: 0,
      orderViolations: 0,
      unexpected: 0,
    });
    expect(run.msgsPerSec).toBeGreaterThan(0);
    const instances = run.instances!;
    expect(instances, output).toHaveLength(3);
    for (const instance of instances) {
      expect(instance.partitions).toHaveLength(2);
      expect(instance.handled).toBeGreaterThan(0);
    }
    expect(instances.flatMap((i) => i.partitions).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(report.summaries[0]).toMatchObject({ ok: true, problems: [] });

    const table = readFileSync(join(scaleOut, 'latest.md'), 'utf8');
    expect(table).toContain('| jetstream-scale | this library, 3 instances | ✓ | 500 |');
    expect(table).toMatch(/jetstream-scale \/ this library, 3 instances: partitions \d,\d: \d+ handled; /);
    expect(code, output).toBe(0);
  }, 120_000);

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
    const report = readReport(kafkaOut);

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
