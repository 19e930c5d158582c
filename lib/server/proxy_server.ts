import type { Metrics } from "../http/mod.ts";
import type { Log } from "../log/mod.ts";
import type { Router } from "../route/mod.ts";
import { refusedCommand } from "./command_policy.ts";
import { Credentials } from "./credentials.ts";
import { Session } from "./session.ts";

/** Options of {@linkcode ProxyServer.start}. */
export interface ProxyServerOptions {
  hostname: string;
  /** 0 picks a free port; read it back from {@linkcode ProxyServer.port}. */
  port: number;
  router: Router;
  metrics: Metrics;
  /** The proxy's own password (`Password`); clients must AUTH when it is set. */
  password?: string;
  /** `AllowFlush`: FLUSHDB/FLUSHALL run instead of being refused. */
  allowFlush?: boolean;
  log?: Log;
}

/**
 * The client-facing listener: accepts connections and runs one {@linkcode Session} each.
 *
 * @example
 * ```ts ignore
 * const server = ProxyServer.start({ hostname: "127.0.0.1", port: 0, router, metrics });
 * console.log(`listening on ${server.port}`);
 * await server.close();
 * ```
 */
export class ProxyServer {
  readonly port: number;
  readonly hostname: string;
  #listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>;
  #options: ProxyServerOptions;
  #credentials: Credentials | undefined;
  #sessions = new Set<Session>();
  #nextId = 1;
  #accepting: Promise<void>;
  #closed = false;

  private constructor(
    listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>,
    options: ProxyServerOptions,
  ) {
    this.#listener = listener;
    this.#options = options;
    this.port = listener.addr.port;
    this.hostname = listener.addr.hostname;
    this.#credentials = options.password === undefined
      ? undefined
      : new Credentials(options.password);
    this.#accepting = this.#acceptLoop();
  }

  /** Starts listening; throws Deno.errors.AddrInUse and the like when it cannot. */
  static start(options: ProxyServerOptions): ProxyServer {
    const listener = Deno.listen({ hostname: options.hostname, port: options.port });
    return new ProxyServer(listener, options);
  }

  /** Number of connected clients. */
  get clientCount(): number {
    return this.#sessions.size;
  }

  /** Stops accepting, disconnects clients and closes upstream connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.close();
    await this.#accepting;
    for (const session of this.#sessions) session.close();
    this.#options.router.close();
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return;
        this.#options.log?.warn("accept failed", { error: (error as Error).message });
        continue;
      }
      conn.setNoDelay(true);
      this.#serve(conn);
    }
  }

  async #serve(conn: Deno.TcpConn): Promise<void> {
    const { metrics, router, log } = this.#options;
    const session = new Session(conn, this.#nextId++, {
      router,
      metrics,
      credentials: this.#credentials,
      registry: { clients: () => this.#sessions },
      refuse: (name) => refusedCommand(name, { allowFlush: this.#options.allowFlush ?? false }),
      log,
    });
    this.#sessions.add(session);
    metrics.clientConnected();
    log?.debug("client connected", { client: session.id, addr: session.addr });
    try {
      await session.run();
    } catch (error) {
      log?.error("client session failed", {
        client: session.id,
        error: (error as Error).stack ?? String(error),
      });
    } finally {
      this.#sessions.delete(session);
      metrics.clientDisconnected();
      log?.debug("client disconnected", { client: session.id });
    }
  }
}
