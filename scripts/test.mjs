// `npm test`: brings the real brokers up when they are not running, runs every unit, e2e and package test
// with Vitest, and ends with one `FAILED <file> > <test>: <message>` line per failure and then one plain line
// `N passed, N failed, N skipped`.
// Extra arguments go to Vitest (for example `npm test -- test/kafka`).
// EVENTBUS_BROKERS=skip runs without brokers (broker tests are then skipped); never under CI=true.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const skipBrokers = process.env.EVENTBUS_BROKERS === 'skip';
if (ci && skipBrokers) {
  console.error('EVENTBUS_BROKERS=skip is not allowed under CI=true: broker tests must run.');
  process.exit(1);
}
if (!skipBrokers) {
  const up = spawnSync('bash', ['scripts/brokers/up.sh'], { stdio: 'inherit' });
  if (up.status !== 0) {
    console.error(
      'The brokers could not be started (see above). Start Kafka on 127.0.0.1:9092 and nats-server -js on ' +
        '127.0.0.1:4222 yourself, or set EVENTBUS_KAFKA_BROKERS / EVENTBUS_NATS_SERVERS.',
    );
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const report = '.vitest-report.json';
rmSync(report, { force: true });
const run = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, EVENTBUS_BROKERS: skipBrokers ? 'skip' : 'required' } },
);

/** The first line of a failure message, so the summary names each failure on one line. */
const firstLine = (message) =>
  String(message ?? 'no message')
    .split('\n', 1)[0]
    .slice(0, 300);

let passed = 0;
let failed = 1; // stays a failure when Vitest wrote no report
let skipped = 0;
if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed = result.numPassedTests;
  failed = result.numFailedTests;
  skipped = result.numPendingTests + result.numTodoTests;
  // A file that fails to load (syntax error, failing hook) fails without failing any single test.
  for (const file of result.testResults ?? []) {
    const name = relative(process.cwd(), file.name);
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
    if (file.status === 'failed' && failedTests.length === 0) {
      failed += 1;
      console.log(`FAILED ${name}: ${firstLine(file.message)}`);
    }
    for (const test of failedTests)
      console.log(`FAILED ${name} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
  }
}
// A run that exits non-zero or executes no test at all is a failure.
if ((run.status !== 0 || passed === 0) && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
