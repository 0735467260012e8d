import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** SIGKILL (no graceful shutdown, like a crash); resolves once the process exited. */
export async function killNow(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/**
 * SIGSTOP, resolved once the kernel reports the process stopped (state `T` in /proc), so that nothing sent
 * after it can still be answered.
 */
export async function stopNow(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid) return;
  child.kill('SIGSTOP');
  const deadline = Date.now() + 2_000;
  while (Date.now() < deadline) {
    try {
      const state = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state === 'T' || state === 't') return;
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
