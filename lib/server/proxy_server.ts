import { Counter } from "prom-client";
import { type AclUserSpec, type AuthLimits, UserDirectory } from "../acl/mod.ts";
import type { Metrics } from "../http/mod.ts";
import type { Log } from "../log/mod.ts";
import { type Router, RouterSwitch, withDeadline } from "../route/mod.ts";
import { type ClientLimits, DEFAULT_CLIENT_LIMITS, type ListenTlsConfig } from "../config/mod.ts";
import { type ClientListener, listenClients } from "./client_listener.ts";
import { type PolicyOptions, refusedCommand } from "./command_policy.ts";
import { IdleReaper, refuseClient, sessionLimits } from "./client_limits.ts";
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
  /** `[[Users]]`: users clients log in as with `AUTH <user> <pass>`. */
  users?: readonly AclUserSpec[];
  /** `AuthFailureLimit` and `AuthFailureWindow` (defaults: 10 failures per 60 s). */
  authLimits?: AuthLimits;
  /** `AllowFlush`: FLUSHDB/FLUSHALL run instead of being refused. */
  allowFlush?: boolean;
  /** Log each command at debug level, by name or with its arguments (`--log-arguments`). */
  commandLog?: "names" | "arguments";
  /** Listen with SO_REUSEPORT, so another instance can bind the same port (Linux). */
  reusePort?: boolean;
  /** `TlsCert`/`TlsKey`/`TlsCaCert`: clients must connect with TLS. */
  tls?: ListenTlsConfig;
  /** `MaxClients`, `ProtoMaxBulkLen`, `Timeout`, ... (absent: the defaults). */
  limits?: ClientLimits;
  log?: Log;
}

/** What a config reload can change without new upstream connections. */
export interface ClientPolicy {
  password?: string;
  users?: readonly AclUserSpec[];
  authLimits?: AuthLimits;
  allowFlush?: boolean;
  /** Client limits: `MaxClients` and `Timeout` at once, the others for new connections. */
  limits?: ClientLimits;
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
  #listener: ClientListener;
  #options: ProxyServerOptions;
  #routers: RouterSwitch;
  #credentials: Credentials;
  // Replaced, not edited, on reload; read for every command, so not rebuilt per command.
  #commandPolicy: PolicyOptions;
  #sessions = new Set<Session>();
  #nextId = 1;
  #accepting: Promise<void>;
  #closed = false;
  #limits: ClientLimits = DEFAULT_CLIENT_LIMITS;
  #idleReaper: IdleReaper;

  private constructor(listener: ClientListener, options: ProxyServerOptions) {
    this.#listener = listener;
    this.#options = options;
    this.#routers = new RouterSwitch(options.router);
    this.port = listener.addr.port;
    this.hostname = listener.addr.hostname;
    const failures = new Counter({
      name: "remiro_auth_failures_total",
      help: "Failed AUTH and HELLO AUTH attempts: wrong name or password, or refused because " +
        "the client's address failed too often (AuthFailureLimit)",
      labelNames: ["reason"],
      registers: [options.metrics.registry],
    });
    failures.labels("wrongpass").inc(0);
    failures.labels("rate_limited").inc(0);
    this.#credentials = new Credentials(new UserDirectory(options.password, options.users), {
      limits: options.authLimits,
      onFailure: (reason) => failures.labels(reason).inc(),
    });
    this.#commandPolicy = { allowFlush: options.allowFlush ?? false };
    this.#idleReaper = new IdleReaper(() => this.#sessions, options.metrics, options.log);
    this.#setLimits(options.limits);
    this.#accepting = this.#acceptLoop();
  }

  /**
   * Starts listening; throws Deno.errors.AddrInUse and the like when it cannot, and
   * Deno.errors.NotSupported when `reusePort` needs Deno's `--unstable-net`.
   */
  static start(options: ProxyServerOptions): ProxyServer {
    return new ProxyServer(listenClients(options), options);
  }

  /** The router in service. */
  get router(): Router {
    return this.#routers.current;
  }

  /**
   * Applies a reloaded `Password`, `[[Users]]`, AUTH limits and `AllowFlush`. Connected clients
   * stay logged in and get their user's new rules at once; clients of a removed user are
   * disconnected. Throws AclRuleError (before changing anything) for a rule that does not
   * compile.
   */
  reconfigure(policy: ClientPolicy): void {
    const users = new UserDirectory(policy.password, policy.users);
    this.#credentials.update(users, policy.authLimits);
    this.#commandPolicy = { allowFlush: policy.allowFlush ?? false };
    for (const session of this.#sessions) session.rebind(users);
    this.#setLimits(policy.limits);
  }

  #setLimits(limits: ClientLimits | undefined): void {
    this.#limits = limits ?? DEFAULT_CLIENT_LIMITS;
    this.#idleReaper.timeoutMs = this.#limits.idleTimeoutMs;
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
    this.#idleReaper.stop();
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
    this.#idleReaper.stop();
    this.#listener.close();
    await this.#accepting;
    for (const session of this.#sessions) session.close();
    this.#routers.close();
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return;
        this.#options.log?.warn("accept failed", { error: (error as Error).message });
        continue;
      }
      if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
      this.#serve(conn);
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const { metrics, log } = this.#options;
    if ("handshake" in conn) {
      if (!(await tlsHandshake(conn as Deno.TlsConn, log))) return;
      // The proxy may have begun shutting down while the handshake ran.
      if (this.#closed) return conn.close();
    }
    if (this.#sessions.size >= this.#limits.maxClients) return refuseClient(conn, metrics, log);
    const session = new Session(conn, this.#nextId++, {
      router: this.#routers,
      metrics,
      credentials: this.#credentials,
      commandLog: this.#options.commandLog,
      registry: { clients: () => this.#sessions },
      refuse: (name) => refusedCommand(name, this.#commandPolicy),
      limits: sessionLimits(this.#limits),
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

const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Finishes a client's TLS handshake before its session starts, so a plain-TCP client or one
 * that does not trust the proxy's certificate is closed without becoming a client.
 */
async function tlsHandshake(conn: Deno.TlsConn, log: Log | undefined): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no handshake within ${TLS_HANDSHAKE_TIMEOUT_MS} ms`)),
      TLS_HANDSHAKE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([conn.handshake(), timeout]);
    return true;
  } catch (error) {
    log?.info("client TLS handshake failed, closing", {
      addr: addressOf(conn.remoteAddr),
      error: (error as Error).message.split("\n")[0],
    });
    try {
      conn.close();
    } catch {
      // already closed by the client
    }
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function addressOf(addr: Deno.Addr): string {
  return "hostname" in addr ? `${addr.hostname}:${addr.port}` : addr.transport;
}
