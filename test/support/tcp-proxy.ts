import { createConnection, createServer, Server, Socket } from 'node:net';

/** A TCP proxy to a real server (Redis, say) that a test can cut, stall and restore: a real outage, on loopback. */
export interface TcpProxy {
  port: number;
  /** Stops listening and drops every connection: the server is gone (connections refused). */
  cut(): Promise<void>;
  /** Keeps connections open but passes nothing on: the server hangs. */
  stall(): void;
  /** Listens again on the same port and passes traffic on again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let stalled = false;
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (!stalled) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const port = await listen(0);
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));

  const proxy: TcpProxy = {
    port,
    async cut() {
      const closed = stopListening();
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await closed;
    },
    stall() {
      stalled = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    async restore() {
      if (stalled) {
        stalled = false;
        for (const [client, upstream] of pairs) {
          client.pipe(upstream);
          upstream.pipe(client);
        }
      }
      if (!server.listening) await listen(port);
    },
    close: () => proxy.cut(),
  };
  return proxy;
}
