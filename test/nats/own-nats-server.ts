import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import { sleep } from '../support/recorder';
import { freePort, killNow, stopNow } from '../support/processes';

/** The installed binary: on PATH, else where the Debian package puts it. */
const BINARY = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';

/** Extra server configuration (TLS, authorization) and how the readiness probe connects then. */
export interface OwnNatsServerConfig {
  /** nats-server configuration blocks, e.g. `tls { ... }` and `authorization { ... }`. */
  readonly config?: string;
  /** Connection options of the readiness probe (credentials, TLS) for such a server. */
  readonly probe?: NodeConnectionOptions;
}

/**
 * A nats-server with JetStream that a test owns: a free port on 127.0.0.1 and a store directory that survives
 * `kill()` and `start()` again, so the test can crash and restart the server mid-stream. With `config`, the
 * server also reads those configuration blocks (TLS, authorization).
 */
export class OwnNatsServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly setup: OwnNatsServerConfig,
  ) {}

  static async create(setup: OwnNatsServerConfig = {}): Promise<OwnNatsServer> {
    return new OwnNatsServer(await freePort(), mkdtempSync(join(tmpdir(), 'eventbus-nats-')), setup);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts the server and resolves once JetStream answers. */
  async start(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir];
    if (this.setup.config !== undefined) {
      const file = join(this.storeDir, 'server.conf');
      writeFileSync(file, this.setup.config);
      args.push('-c', file);
    }
    const child = spawn(BINARY, args, { stdio: 'ignore' });
    this.process = child;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
      try {
        const nc = await connect({
          ...this.setup.probe,
          servers: this.url,
          reconnect: false,
          timeout: 1_000,
        });
        await (await jetstreamManager(nc)).getAccountInfo();
        await nc.close();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`nats-server on ${this.url} not ready`, { cause: err });
        await sleep(100);
      }
    }
  }

  /** SIGKILL: no graceful shutdown, like a crash. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await killNow(child);
  }

  /** SIGSTOP: the server keeps its connections open but answers nothing, until `thaw()`. */
  freeze(): Promise<void> {
    return stopNow(this.process);
  }

  /** SIGCONT after `freeze()`. */
  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
