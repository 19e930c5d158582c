import type { Metrics } from "../http/mod.ts";
import type { Log } from "../log/mod.ts";
import { type Router, RouterSwitch, withDeadline } from "../route/mod.ts";
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
  /** Listen with SO_REUSEPORT, so another instance can bind the same port (Linux). */
  reusePort?: boolean;
  log?: Log;
}

/** What a config reload can change without new upstream connections. */
export interface ClientPolicy {
  password?: string;
  allowFlush?: boolean;
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
  #routers: RouterSwitch;
  #credentials: Credentials | undefined;
  #allowFlush: boolean;
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
    this.#routers = new RouterSwitch(options.router);
    this.port = listener.addr.port;
    this.hostname = listener.addr.hostname;
    this.#credentials = undefined;
    this.#allowFlush = false;
    this.reconfigure(options);
    this.#accepting = this.#acceptLoop();
  }

  /**
   * Starts listening; throws Deno.errors.AddrInUse and the like when it cannot, and
   * Deno.errors.NotSupported when `reusePort` needs Deno's `--unstable-net`.
   */
  static start(options: ProxyServerOptions): ProxyServer {
    const listenOptions: Deno.TcpListenOptions = {
      hostname: options.hostname,
      port: options.port,
    };
    if (options.reusePort) listenOptions.reusePort = true;
    let listener;
    try {
      listener = Deno.listen(listenOptions);
    } catch (error) {
      if (options.reusePort && /--unstable-net/.test((error as Error).message)) {
        throw new Deno.errors.NotSupported(
          "ReusePort needs Deno's --unstable-net flag (the compiled remiro has it)",
        );
      }
      throw error;
    }
    return new ProxyServer(listener, options);
  }

  /** The router in service. */
  get router(): Router {
    return this.#routers.current;
  }

  /** Applies a reloaded `Password` and `AllowFlush`; connected clients stay logged in. */
  reconfigure(policy: ClientPolicy): void {
    this.#credentials = policy.password === undefined
      ? undefined
      : new Credentials(policy.password);
    this.#allowFlush = policy.allowFlush ?? false;
  }

  /**
   * Puts a router with new upstreams in service (a config reload): see RouterSwitch.replace.
   * Resolves when the old router has retired.
   */
  replaceRouter(next: Router, drainMs: number): Promise<void> {
    return this.#routers.replace(next, drainMs);
  }

  /**
   * Graceful shutdown: stops accepting, lets every client's commands already read finish and
   * their replies go out, closes idle clients at once, and after `deadlineMs` closes the rest.
   * Resolves with the number of clients that had to be cut off.
   */
  async shutdown(deadlineMs: number): Promise<number> {
    if (this.#closed) return 0;
    this.#closed = true;
    this.#listener.close();
    await this.#accepting;
    const draining = new Set(this.#sessions);
    const drained = [...draining].map((session) =>
      session.drain().then(() => draining.delete(session), () => {})
    );
    await withDeadline(Promise.all(drained), deadlineMs);
    const cut = draining.size;
    for (const session of this.#sessions) session.close();
    this.#routers.close();
    return cut;
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
    this.#routers.close();
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
    const { metrics, log } = this.#options;
    const session = new Session(conn, this.#nextId++, {
      router: this.#routers,
      metrics,
      credentials: this.#credentials,
      registry: { clients: () => this.#sessions },
      refuse: (name) => refusedCommand(name, { allowFlush: this.#allowFlush }),
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
