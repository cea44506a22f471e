import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Caps the TCP connections one remote address may hold open (HTTP keep-alive and WebSocket alike), so
 * a single client cannot exhaust sockets and file descriptors with connections it never finishes. The
 * count is taken on the raw socket, before any byte is read: a connection over the cap is destroyed at
 * once, without an HTTP answer, because answering would mean reading (and parsing) what it sends.
 * Behind a load balancer every client shares the balancer's address, so the cap must be raised or off.
 */
export function capConnectionsPerAddress(server: Server, max: number, onRefused: () => void = () => {}): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  // Prepended so the refusal happens before the HTTP server attaches its parser to the socket.
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return; // already gone
    const count = open.get(address) ?? 0;
    if (count >= max) {
      onRefused();
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
