// Builds the package `nest-ordered-eventbus` into libs/eventbus/dist: ES modules Node runs as they are
// (relative import specifiers end in `.js`), `.d.ts` files that resolve the same way, and source maps with the
// TypeScript sources inlined. The sources keep extensionless specifiers; `tsc-alias --resolve-full-paths`
// rewrites them in the output. `--with-docs` (run by `npm pack`) also copies README.md and LICENSE into the
// package folder.
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const library = `${root}libs/eventbus/`;
const project = `${library}tsconfig.lib.json`;
const require = createRequire(import.meta.url);

function run(bin, args) {
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

rmSync(`${library}dist`, { recursive: true, force: true });
run(require.resolve('typescript/bin/tsc'), ['-p', project]);
run(require.resolve('tsc-alias/dist/bin/index.js'), ['-p', project, '--resolve-full-paths']);
if (process.argv.includes('--with-docs')) {
  for (const file of ['README.md', 'LICENSE']) copyFileSync(`${root}${file}`, `${library}${file}`);
}
