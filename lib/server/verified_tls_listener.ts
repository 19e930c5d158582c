import { createServer, type Server, type TLSSocket } from "node:tls";
import type { ListenTlsConfig } from "../config/mod.ts";
import type { ClientListener } from "./client_listener.ts";
import { NodeSocketConn } from "./node_socket_conn.ts";

/**
 * A TLS listener that requires a client certificate signed by one of `clientCaCerts`.
 *
 * Deno.listenTls cannot request client certificates; `node:tls` can, so this listener runs a
 * `node:tls` server and hands out its verified sockets as `Deno.Conn`s. Connections without a
 * valid certificate fail in the handshake and never reach {@linkcode accept}.
 *
 * `node:tls` binds asynchronously, so the port is first bound (and released) with Deno.listen:
 * bind errors and the port a `0` picked are known when {@linkcode listen} returns. A failure of
 * the second bind rejects the next accept, and later accepts reject with BadResource.
 */
export class VerifiedTlsListener implements ClientListener {
  readonly addr: Deno.NetAddr;
  #server: Server;
  #ready: NodeSocketConn[] = [];
  #waiters: { resolve(conn: Deno.Conn): void; reject(error: Error): void }[] = [];
  #failure: Error | undefined;
  #closed = false;

  private constructor(server: Server, addr: Deno.NetAddr) {
    this.#server = server;
    this.addr = addr;
    server.on("secureConnection", (socket: TLSSocket) => {
      const conn = new NodeSocketConn(socket);
      const waiter = this.#waiters.shift();
      if (waiter) waiter.resolve(conn);
      else this.#ready.push(conn);
    });
    // Failed handshakes (no or an untrusted certificate, or plain TCP) only close that socket.
    server.on("tlsClientError", () => {});
    server.on("error", (error: Error) => {
      this.#failure ??= error;
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    });
  }

  /** Binds `options.hostname:port`; throws what Deno.listen throws. */
  static listen(options: Deno.TcpListenOptions, tls: ListenTlsConfig): VerifiedTlsListener {
    const probe = Deno.listen(options);
    const addr = probe.addr;
    probe.close();
    const server = createServer({
      cert: tls.cert,
      key: tls.key,
      ca: tls.clientCaCerts,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const listener = new VerifiedTlsListener(server, addr);
    server.listen({ host: addr.hostname, port: addr.port, reusePort: options.reusePort });
    return listener;
  }

  accept(): Promise<Deno.Conn> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("listener closed"));
    if (this.#failure) {
      const failure = this.#failure;
      this.#failure = new Deno.errors.BadResource(`listener failed: ${failure.message}`);
      return Promise.reject(failure);
    }
    const ready = this.#ready.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const conn of this.#ready.splice(0)) conn.close();
    const closed = new Deno.errors.BadResource("listener closed");
    for (const waiter of this.#waiters.splice(0)) waiter.reject(closed);
  }
}
