import type { Socket } from 'node:net';

/** How long a socket keeps reading, and discarding, after an early answer before it is closed. */
const LINGER_MS = 2000;

/**
 * Makes the close after an early answer (an error sent before the request body was read) a lingering close, as HTTP
 * servers do: Node would close the socket as soon as the answer is written, and a client still sending its body then
 * gets a TCP reset, which can discard the answer before the client reads it. Instead our side is ended (FIN after
 * the answer) and whatever still arrives is read and dropped for a moment, then the socket is closed.
 */
export function lingerAfterAnswer(socket: Socket | null | undefined): void {
  if (!socket || socket.destroyed) return;
  socket.destroySoon = function lingeringClose(this: Socket) {
    if (this.writable) this.end();
    this.on('data', () => {});
    this.resume();
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
}
