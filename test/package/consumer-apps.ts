import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cleanEnv,
  installedTemplate,
  NPM_INSTALL_FLAGS,
  run,
  runOrThrow,
  type RunResult,
} from './package-cache';

/** A kind of application users build: its module system, Nest major and TypeScript. */
export interface ConsumerFlavor {
  readonly name: string;
  readonly moduleSystem: 'esm' | 'commonjs';
  readonly nestMajor: number;
  readonly dependencies: Readonly<Record<string, string>>;
  /** The TypeScript that compiles it (kept apart from the app, so copying the app stays cheap). */
  readonly typescript: string;
}

const common = {
  'reflect-metadata': '^0.2.2',
  rxjs: '^7.8.0',
  '@nats-io/transport-node': '^3.4.0',
  '@nats-io/jetstream': '^3.4.0',
  '@types/node': '^20.19.0',
};

/**
 * An ES module app on Nest 12 and a CommonJS app on Nest 11 (which loads our ES modules with `require()`,
 * Node 20.19+). Neither installs kafkajs: the Kafka transport must then fail start naming it.
 */
export const FLAVORS: readonly ConsumerFlavor[] = [
  {
    name: 'nest12-esm',
    moduleSystem: 'esm',
    nestMajor: 12,
    dependencies: {
      ...common,
      '@nestjs/common': '^12.0.0',
      '@nestjs/core': '^12.0.0',
      '@nestjs/microservices': '^12.0.0',
      '@nestjs/platform-express': '^12.0.0',
    },
    typescript: '~6.0.2',
  },
  {
    name: 'nest11-cjs',
    moduleSystem: 'commonjs',
    nestMajor: 11,
    dependencies: {
      ...common,
      '@nestjs/common': '^11.0.0',
      '@nestjs/core': '^11.0.0',
      '@nestjs/microservices': '^11.0.0',
      '@nestjs/platform-express': '^11.0.0',
    },
    typescript: '~5.9.0',
  },
];

/** The compiler settings of a current Nest starter; `module: nodenext` follows the package's `type`. */
const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'ES2022',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    skipLibCheck: true,
    types: ['node'],
    rootDir: 'src',
    outDir: 'dist',
  },
  include: ['src'],
};

const APP_SOURCE = fileURLToPath(new URL('./consumer-app/main.ts', import.meta.url));

/** A consumer application in `dir`, with the package installed and compiled. */
export class ConsumerApp {
  private constructor(
    readonly flavor: ConsumerFlavor,
    readonly dir: string,
  ) {}

  /**
   * Copies the flavor's cached dependencies into `dir` (outside the repository), installs the packed
   * `tarball` with npm, and compiles the app with the flavor's TypeScript (type-checking it against the
   * package's declarations).
   */
  static async create(flavor: ConsumerFlavor, tarball: string, dir: string): Promise<ConsumerApp> {
    const packageJson = {
      name: `consumer-${flavor.name}`,
      version: '1.0.0',
      private: true,
      type: flavor.moduleSystem === 'esm' ? 'module' : 'commonjs',
    };
    const [template, compiler] = await Promise.all([
      installedTemplate(flavor.name, packageJson, flavor.dependencies),
      installedTemplate('typescript', { name: 'compiler', private: true }, { typescript: flavor.typescript }),
    ]);
    cpSync(template, dir, { recursive: true, verbatimSymlinks: true });
    await runOrThrow('npm', ['install', tarball, ...NPM_INSTALL_FLAGS], { cwd: dir });
    mkdirSync(join(dir, 'src'), { recursive: true });
    copyFileSync(APP_SOURCE, join(dir, 'src', 'main.ts'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    const tsc = join(compiler, 'node_modules', 'typescript', 'bin', 'tsc');
    await runOrThrow(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir });
    return new ConsumerApp(flavor, dir);
  }

  /** The installed version of a dependency, read from its package.json. */
  installedVersion(name: string): string {
    const file = join(this.dir, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }

  /** Runs the compiled app with `node` and the given environment; resolves with its output. */
  start(node: string, env: Record<string, string>): Promise<RunResult> {
    return run(node, ['dist/main.js'], { cwd: this.dir, env: cleanEnv(env), timeoutMs: 120_000 });
  }
}
