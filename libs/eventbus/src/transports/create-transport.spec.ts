import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MissingDependencyError } from '../errors/missing-dependency.error';
import { loadAdapter } from './create-transport';

// A directory with no node_modules above it: importing a package from here fails as in an application that
// did not install it.
const dir = mkdtempSync(join(tmpdir(), 'eventbus-missing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Imports `url` with Node's own ESM loader (in a child process) and rejects with the error Node gave. */
async function nativeImport(url: string): Promise<never> {
  const script = `import(${JSON.stringify(url)}).then(() => console.log('{}'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const { code, message } = JSON.parse(out.stdout) as { code?: string; message?: string };
  throw Object.assign(new Error(message), { code });
}

function moduleImporting(specifier: string): string {
  const file = join(dir, `adapter-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, `import ${JSON.stringify(specifier)};\n`);
  return pathToFileURL(file).href;
}

describe('loadAdapter', () => {
  it('names the package to install when an ES module of the adapter cannot find kafkajs', async () => {
    const url = moduleImporting('kafkajs');
    const error: unknown = await loadAdapter('kafka', () => nativeImport(url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect(error).toMatchObject({ option: "transport: 'kafka'", packageName: 'kafkajs' });
    expect((error as Error).message).toContain('npm install kafkajs');
    expect((error as Error).cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });

  it('names the missing NATS client, and installs every package of the adapter in one command (CommonJS)', async () => {
    const require = createRequire(join(dir, 'index.js'));
    const error: unknown = await loadAdapter('nats', async () => require('@nats-io/jetstream')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect(error).toMatchObject({ option: "transport: 'nats'", packageName: '@nats-io/jetstream' });
    expect((error as Error).message).toContain('npm install @nats-io/transport-node @nats-io/jetstream`');
  });

  it('passes on a missing package the adapter does not declare, and any other failure, unchanged', async () => {
    const url = moduleImporting('kafkajs-extension');
    const missingOther: unknown = await loadAdapter('kafka', () => nativeImport(url)).catch(
      (e: unknown) => e,
    );
    expect(missingOther).not.toBeInstanceOf(MissingDependencyError);
    expect(missingOther).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
    const boom = new Error('boom');
    await expect(loadAdapter('kafka', () => Promise.reject(boom))).rejects.toBe(boom);
  });

  it('resolves with the adapter module when its packages are installed', async () => {
    const adapter = await loadAdapter('kafka', () => import('./kafka/kafka.transport'));
    expect(typeof adapter.KafkaTransport).toBe('function');
  });
});
