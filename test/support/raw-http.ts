import { connect, Socket } from 'node:net';

/** A hand-driven HTTP/1.1 connection, for faults no HTTP client produces (half bodies, resets, slow headers). */
export interface RawConnection {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** The status of the server's answer, once its first line has arrived (undefined before). */
  status(): number | undefined;
  /** Resolves when the server has closed the connection (or it was reset). */
  closed: Promise<void>;
  /** Resolves with the status as soon as an answer's first line has arrived (0: closed without one). */
  answered: Promise<number>;
}

export function rawConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    let onAnswer: (status: number) => void = () => undefined;
    const answered = new Promise<number>((r) => (onAnswer = r));
    const status = () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(data);
      return match ? Number(match[1]) : undefined;
    };
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const s = status();
      if (s !== undefined) onAnswer(s);
    });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) =>
      socket.once('close', () => {
        onAnswer(status() ?? 0);
        r();
      }),
    );
    socket.once('connect', () => resolve({ socket, received: () => data, status, closed, answered }));
    socket.once('error', reject);
  });
}

/** The request line and headers of a raw upload. */
export function uploadHead(path: string, token: string, headers: Record<string, string | number>): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${token}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return lines.join('\r\n') + '\r\n\r\n';
}
