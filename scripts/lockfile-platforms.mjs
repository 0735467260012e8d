// Restores lock-file entries of optional platform packages (for example @swc/core-darwin-arm64) that
// `npm install` leaves out when the registry in use does not serve them. Without them `npm ci` rejects
// the lock file as out of sync. The entries carry `os`/`cpu` (read from the package name), so npm never
// fetches them on other platforms. A maintenance step, not an install hook (a fresh `npm install` must leave
// the lock file as it is): run `npm run lockfile:platforms` after changing dependencies through such a registry.
// It changes nothing when every entry is present.
import { readFileSync, writeFileSync } from 'node:fs';

const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'sunos', 'aix', 'openbsd'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64'];

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const packages = lock.packages;
let added = 0;
for (const entry of Object.values(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.find((p) => CPU.includes(p));
    if (!os || !cpu) continue;
    packages[key] = { version, cpu: [cpu], dev: entry.dev, optional: true, os: [os] };
    if (packages[key].dev === undefined) delete packages[key].dev;
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} optional platform entr${added === 1 ? 'y' : 'ies'} restored`);
