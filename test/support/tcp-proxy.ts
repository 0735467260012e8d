import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './processes';

/**
 * A TCP proxy on a free port of 127.0.0.1 in front of a broker, so a test can break the connection the way a
 * network does: `stall()` drops what the broker sends from then on (the broker believes it delivered), `hold()`
 * delays it until `release()` (a slow link), `cut()` destroys every proxied connection. New connections are
 * accepted and work normally again.
 */
export class TcpProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private stalled = false;
  private held: { client: Socket; data: Buffer }[] | undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const port = await freePort();
    const server = createServer();
    const proxy = new TcpProxy(server, port);
    server.on('connection', (client) => proxy.accept(client, targetHost, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return proxy;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Drops everything the broker sends on the current connections until they are cut. */
  stall(): void {
    this.stalled = true;
  }

  /** Keeps everything the broker sends until `release()`. */
  hold(): void {
    this.held ??= [];
  }

  /** Passes on what `hold()` kept, in order, and everything after it. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const { client, data } of held) if (!client.destroyed) client.write(data);
  }

  /** Destroys every proxied connection; later connections are passed through normally. */
  cut(): void {
    this.stalled = false;
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    const upstream = connect(port, host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (data) => upstream.write(data));
    upstream.on('data', (data) => {
      if (this.stalled) return;
      if (this.held) this.held.push({ client, data });
      else client.write(data);
    });
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }
}
