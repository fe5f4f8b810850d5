import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 between a client and a server, so a test can
 * cut every connection, refuse new ones, or point it at another server.
 */
export class TcpProxy {
  /** Port of the server connections are forwarded to. */
  target: number;
  /** true: new connections are closed at once (a server that is down). */
  refusing = false;
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #port = 0;

  private constructor(target: number) {
    this.target = target;
  }

  static async start(target: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    proxy.#server = createServer((client) => proxy.#forward(client));
    await new Promise<void>((resolve) => proxy.#server!.listen(0, '127.0.0.1', resolve));
    proxy.#port = (proxy.#server.address() as { port: number }).port;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Cuts every open connection (both directions). */
  dropAll(): void {
    for (const s of this.#sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  #forward(client: Socket): void {
    if (this.refusing) return void client.destroy();
    const upstream = connect(this.target, '127.0.0.1');
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      this.#sockets.add(a);
      a.on('error', () => {});
      a.on('close', () => {
        this.#sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  }
}
