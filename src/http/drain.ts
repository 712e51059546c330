// Graceful shutdown of the HTTP server. Node's `server.close()` closes idle keep-alive connections at once, and a
// client that sends its next request on such a connection at that moment gets ECONNRESET. Draining instead:
// stop accepting new connections, keep serving requests that arrive on open connections but answer each with
// `Connection: close` (the client then closes and reconnects elsewhere), and close a connection that stays idle for
// `idleGraceMs` (its client has nothing to send). After `timeoutMs` whatever is left is destroyed.
import net from 'node:net';
import type { Server, IncomingMessage, ServerResponse } from 'node:http';

export interface DrainOptions {
  /** Longest wait for in-flight requests before the remaining connections are destroyed. */
  timeoutMs: number;
  /** How long an open connection may stay idle during the drain before it is closed. */
  idleGraceMs: number;
}

export interface Drain {
  /** True from the start of the drain: /readyz says "not ready", every answer carries `Connection: close`. */
  readonly draining: boolean;
  /** Resolves when every connection is gone (or the timeout destroyed the rest). */
  drain(options: DrainOptions): Promise<{ destroyed: number }>;
}

interface Conn {
  socket: net.Socket;
  /** Responses not yet finished on this connection. */
  open: Set<ServerResponse>;
  idleSince: number;
}

const drains = new WeakMap<Server, Drain>();

export function drainOf(server: Server): Drain | undefined {
  return drains.get(server);
}

/** Tracks the server's connections from now on; call before `listen`. */
export function trackConnections(server: Server): Drain {
  const conns = new Map<net.Socket, Conn>();
  let draining = false;
  let wake: () => void = () => {};

  server.on('connection', (socket: net.Socket) => {
    conns.set(socket, { socket, open: new Set(), idleSince: Date.now() });
    socket.once('close', () => {
      conns.delete(socket);
      wake();
    });
  });
  // 'request' listeners run in registration order; this one is added before Fastify's handler is attached by
  // `listen`, so the header is in place before any route writes its answer.
  // One shared 'close' listener (its connection found through the socket), not a closure per request: this runs
  // on every request.
  function closed(this: ServerResponse) {
    const conn = conns.get(this.req.socket);
    if (conn) {
      conn.open.delete(this);
      conn.idleSince = Date.now();
    }
    wake();
  }
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    conns.get(req.socket)?.open.add(res);
    if (draining) res.setHeader('connection', 'close');
    res.once('close', closed);
  });

  const drain: Drain = {
    get draining() {
      return draining;
    },
    async drain({ timeoutMs, idleGraceMs }) {
      draining = true;
      // Requests already in flight answer with `Connection: close` too, unless their headers are out.
      for (const c of conns.values())
        for (const res of c.open) if (!res.headersSent) res.setHeader('connection', 'close');
      // Stop accepting without http.Server.close()'s immediate closing of idle connections.
      if (server.listening) net.Server.prototype.close.call(server);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = Date.now();
        for (const c of conns.values()) {
          if (c.open.size === 0 && now - c.idleSince >= idleGraceMs) c.socket.end();
        }
        if (conns.size === 0) return { destroyed: 0 };
        if (now >= deadline) {
          const destroyed = conns.size;
          for (const c of conns.values()) c.socket.destroy();
          return { destroyed };
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(50, idleGraceMs));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = () => {};
      }
    },
  };
  drains.set(server, drain);
  return drain;
}
