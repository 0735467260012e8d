import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { freePort, killNow, stopNow } from '../support/processes';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The server template `npm run brokers:up` uses too. */
const TEMPLATE = join(ROOT, 'scripts', 'brokers', 'kafka-server.properties');
const JARS_SCRIPT = join(ROOT, 'scripts', 'brokers', 'kafka-jars.sh');

/** Where the jars of a Kafka version are, and the JVM flag that configures its logging. */
interface KafkaJars {
  readonly libs: string;
  readonly logFlag: string;
}

/**
 * The jars of EVENTBUS_KAFKA_VERSION (default 4.4.0), resolved from Maven Central into the jar cache on first
 * use, so a test can start its own broker whether or not `npm run brokers:up` started one (a Kafka already
 * serving on 127.0.0.1:9092 makes it skip the jars).
 */
export function kafkaJars(env: NodeJS.ProcessEnv = process.env): KafkaJars {
  const run = spawnSync('bash', [JARS_SCRIPT], { encoding: 'utf8', env });
  if (run.status !== 0) throw new Error(`Kafka jars unavailable: ${run.stderr.trim()}`);
  const [libs, logFlag] = run.stdout.trim().split('\n');
  if (!libs || !logFlag || !existsSync(join(libs, '.complete')))
    throw new Error(`Kafka jars unavailable: unexpected output ${JSON.stringify(run.stdout)}`);
  return { libs, logFlag };
}

/** Extra settings of an own broker beyond its properties. */
export interface OwnKafkaBrokerSetup {
  /** Extra `kafka-storage format` arguments, e.g. `['--add-scram', 'SCRAM-SHA-512=[name=app,password=pw]']`. */
  readonly formatArgs?: readonly string[];
  /** The address clients use (`brokers`), when not the plain-text listener on `port`. */
  readonly clientPort?: number;
  /** kafkajs settings of the readiness probe (ssl, sasl) for such a listener. */
  readonly probe?: Partial<KafkaConfig>;
}

/**
 * A single-node Kafka (KRaft) broker that a test owns: free ports on 127.0.0.1 and a data directory that
 * survives `kill()` and `start()` again, so the test can crash and restart the broker mid-stream, or
 * `freeze()` and `thaw()` it to play a broker that accepts connections but answers nothing.
 */
export class OwnKafkaBroker {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly jars: KafkaJars,
    private readonly setup: OwnKafkaBrokerSetup,
  ) {}

  /**
   * `serverProperties` override or extend the template, e.g. `{ 'auto.create.topics.enable': 'false' }`; in
   * them, `9092` and `9093` stand for the broker's plain-text and controller ports as in the template.
   */
  static async create(
    serverProperties: Record<string, string> = {},
    setup: OwnKafkaBrokerSetup = {},
  ): Promise<OwnKafkaBroker> {
    const jars = kafkaJars();
    const [port, controllerPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'eventbus-own-kafka-'));
    const properties = withProperties(readFileSync(TEMPLATE, 'utf8'), serverProperties)
      .replaceAll('9092', String(port))
      .replaceAll('9093', String(controllerPort))
      .replace('@DATA_DIR@', join(dir, 'data'));
    writeFileSync(join(dir, 'server.properties'), properties);
    const format = spawnSync(
      'java',
      [
        '-cp',
        `${jars.libs}/*`,
        jars.logFlag,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        'AAAAAAAAAAAAAAAAAAAAAA',
        '-c',
        join(dir, 'server.properties'),
        ...(setup.formatArgs ?? []),
      ],
      { encoding: 'utf8' },
    );
    if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stderr}`);
    return new OwnKafkaBroker(port, dir, jars, setup);
  }

  /** The address clients use: the plain-text listener, or `clientPort` when set. */
  get brokers(): string[] {
    return [`127.0.0.1:${this.setup.clientPort ?? this.port}`];
  }

  /** Starts the broker and resolves once it answers metadata requests. */
  async start(): Promise<void> {
    this.process = spawn(
      'java',
      [
        '-Xmx512m',
        this.jars.logFlag,
        '-cp',
        `${this.jars.libs}/*`,
        'kafka.Kafka',
        join(this.dir, 'server.properties'),
      ],
      { stdio: 'ignore' },
    );
    const admin = new Kafka({
      clientId: 'own-broker-probe',
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      ...this.setup.probe,
    }).admin();
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.process.exitCode !== null) throw new Error(`kafka exited with ${this.process.exitCode}`);
      try {
        await admin.connect();
        await admin.listTopics();
        await admin.disconnect();
        return;
      } catch (error) {
        await admin.disconnect().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`kafka on ${this.brokers[0]} not ready`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** SIGKILL: no graceful shutdown, like a crash. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await killNow(child);
  }

  /** SIGSTOP: the process keeps its sockets open but answers nothing until `thaw()`. */
  freeze(): Promise<void> {
    return stopNow(this.process);
  }

  /** SIGCONT after `freeze()`. */
  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The properties text with each given key set: an existing line is replaced, a new key appended. */
function withProperties(text: string, properties: Record<string, string>): string {
  let result = text;
  for (const [key, value] of Object.entries(properties)) {
    const line = new RegExp(`^${key.replaceAll('.', '\\.')}=.*$`, 'm');
    result = line.test(result)
      ? result.replace(line, `${key}=${value}`)
      : `${result.trimEnd()}\n${key}=${value}\n`;
  }
  return result;
}
