import swc from 'unplugin-swc';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const alias = { '@app/eventbus': fileURLToPath(new URL('./libs/eventbus/src/index.ts', import.meta.url)) };
// SWC compiles TypeScript with decorator metadata, which Nest's dependency injection needs.
const plugins = [swc.vite({ module: { type: 'es6' } })];

export default defineConfig({
  plugins,
  resolve: { alias },
  test: {
    projects: [
      {
        plugins,
        resolve: { alias },
        test: { name: 'unit', include: ['libs/**/*.spec.ts', 'bench/**/*.spec.ts'], testTimeout: 30_000 },
      },
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts', 'bench/**/*.e2e-spec.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Broker tests share one Kafka and one NATS server on a 2-core machine: one file at a time.
          fileParallelism: false,
        },
      },
      {
        // The packed package installed into fresh applications outside the repository (Node 20, 22, 24).
        // The first run downloads Nest and Node binaries into .cache/package-test; later runs reuse them.
        test: {
          name: 'package',
          include: ['test/package/**/*.pack-spec.ts'],
          testTimeout: 300_000,
          hookTimeout: 900_000,
          // After the other projects: it keeps both cores busy for a while.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
