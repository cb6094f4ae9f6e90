import { createConnection, createServer, Server, Socket } from 'node:net';

/** A TCP proxy to a real server (Redis, say) that a test can cut, stall and restore: a real outage, on loopback. */
export interface TcpProxy {
  port: number;
  /** Stops listening and drops every connection: the server is gone (connections refused). */
  cut(): Promise<void>;
  /** Keeps connections open but passes nothing on: the server hangs. */
  stall(): void;
  /** Drops every connection with a TCP reset (RST) on both sides; new connections are still accepted. */
  reset(): void;
  /**
   * From now on, each connection passes `bytes` from the server to the client and is then cut (both sides reset):
   * the server dies mid-response. `restore()` lifts it.
   */
  cutAfter(bytes: number): void;
  /** Listens again on the same port and passes traffic on again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let stalled = false;
  let cutAfterBytes: number | undefined;
  /** Bytes each connection passed to its client since the last cutAfter(). */
  const passedSinceCut = new Map<Socket, number>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    passedSinceCut.set(client, 0);
    // Server to client by hand (not pipe), so that a cut can pass exactly `cutAfterBytes`.
    upstream.on('data', (chunk: Buffer) => {
      const passed = passedSinceCut.get(client) ?? 0;
      if (cutAfterBytes !== undefined && passed + chunk.length >= cutAfterBytes) {
        const allowed = cutAfterBytes - passed;
        passedSinceCut.set(client, cutAfterBytes);
        if (allowed > 0) client.write(chunk.subarray(0, allowed));
        upstream.pause();
        setTimeout(() => {
          client.resetAndDestroy();
          upstream.resetAndDestroy();
        }, 50);
        return;
      }
      passedSinceCut.set(client, passed + chunk.length);
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => {
          if (!stalled) upstream.resume();
        });
      }
    });
    upstream.pause();
    const drop = () => {
      pairs.delete(pair);
      passedSinceCut.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (!stalled) {
      client.pipe(upstream);
      upstream.resume();
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
        client.pause();
        upstream.pause();
      }
    },
    reset() {
      for (const [client, upstream] of pairs) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    cutAfter(bytes) {
      cutAfterBytes = bytes;
      for (const client of passedSinceCut.keys()) passedSinceCut.set(client, 0);
    },
    async restore() {
      cutAfterBytes = undefined;
      if (stalled) {
        stalled = false;
        for (const [client, upstream] of pairs) {
          client.pipe(upstream);
          upstream.resume();
        }
      }
      if (!server.listening) await listen(port);
    },
    close: () => proxy.cut(),
  };
  return proxy;
}
