import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Options, transformFile } from '@swc/core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Compiled output; under node_modules so the compiled files resolve packages from the project. */
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'eventbus-bench');
/** Source trees the contender processes run; tests are left out. */
const SOURCE_DIRS = ['bench', join('libs', 'eventbus', 'src')];
const SKIPPED = new Set(['results', 'node_modules']);

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function swcOptions(): Options {
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  return {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: ROOT,
      paths: tsconfig.compilerOptions.paths,
    },
    module: { type: 'es6', resolveFully: true },
    sourceMaps: false,
  };
}

/** A compiled copy of the sources for contender processes. */
export interface ChildBuild {
  /** Compiled path of the requested entry. */
  readonly entry: string;
  /** Removes the compiled copy. */
  dispose(): void;
}

/**
 * Compiles the benchmark and the library to plain ES modules (decorator metadata kept, path aliases and
 * extensionless imports resolved) into a directory of this run's own, and returns the compiled path of
 * `entry` (a source path relative to the project root). Contender processes run that output with plain
 * `node`: a TypeScript loader would add its own ~140 MB (a loader thread, the compiler) to every RSS measured.
 */
export async function buildForChildren(entry: string): Promise<ChildBuild> {
  const outDir = join(CACHE_DIR, `${process.pid}-${Date.now().toString(36)}`);
  const options = swcOptions();
  const files = SOURCE_DIRS.flatMap((dir) => tsFiles(join(ROOT, dir)));
  await Promise.all(
    files.map(async (file) => {
      const { code } = await transformFile(file, { ...options, filename: file });
      const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, code);
    }),
  );
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return {
    entry: join(outDir, entry.replace(/\.ts$/, '.js')),
    dispose: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
