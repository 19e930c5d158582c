import { decodeReply, encodeCommand, type Reply } from "../resp/mod.ts";
import { type TlsOptions, UpstreamConnection, UpstreamPool } from "../upstream/mod.ts";
import { parseReplicationInfo, type ReplicationInfo } from "./replication_info.ts";

/** How to reach the members of a group. */
export interface MemberSettings {
  /** "source" or "destination", for error messages. */
  target: string;
  username?: string;
  password?: string;
  /** TLS for every connection to the member (the section's `Tls = true`). */
  tls?: TlsOptions;
  maxIdleConns: number;
  idleTimeoutMs: number;
  /** `ConnectTimeout` and `CommandTimeout` of the section, for the clients' connections. */
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

type Addr = { hostname: string; port: number } | { path: string };

/**
 * One server of a failover group: its connection pool for clients' commands, and a connection
 * of its own for the health checks (PING, INFO replication) and REPLICAOF.
 */
export class GroupMember {
  /** The last successful check's view; kept while the server is unreachable. */
  info: ReplicationInfo | undefined;
  /** When checks started failing in a row (performance.now()); undefined while they pass. */
  failingSince: number | undefined;
  lastError: string | undefined;
  /** Set once the member was down: a master that comes back is then a former master. */
  wasDown = false;
  #monitor: UpstreamConnection | undefined;
  #pool: UpstreamPool | undefined;
  #closed = false;

  constructor(
    readonly addr: Addr,
    readonly addrText: string,
    readonly settings: MemberSettings,
  ) {}

  /** Host and port as REPLICAOF takes them. */
  get hostPort(): [string, string] {
    const a = this.addr;
    return "path" in a ? [a.path, "0"] : [a.hostname, String(a.port)];
  }

  /** True when this member is the server `host:port` names. */
  isAt(host: string | undefined, port: number | undefined): boolean {
    const [h, p] = this.hostPort;
    return host !== undefined && String(port) === p && (host === h || sameLoopback(host, h));
  }

  /** Connections for clients' commands, opened on first use. */
  get pool(): UpstreamPool {
    return this.#pool ??= new UpstreamPool({
      target: this.settings.target,
      addr: this.addr,
      addrText: this.addrText,
      username: this.settings.username,
      password: this.settings.password,
      tls: this.settings.tls,
      maxIdleConns: this.settings.maxIdleConns,
      idleTimeoutMs: this.settings.idleTimeoutMs,
      connectTimeoutMs: this.settings.connectTimeoutMs,
      commandTimeoutMs: this.settings.commandTimeoutMs,
    });
  }

  /** The last check passed. */
  get up(): boolean {
    return this.failingSince === undefined && this.info !== undefined;
  }

  /** Checks have failed for at least `downAfterMs`. */
  isDown(now: number, downAfterMs: number): boolean {
    return this.failingSince !== undefined && now - this.failingSince >= downAfterMs;
  }

  /** PING and INFO replication within `timeoutMs`; records the outcome. */
  async check(timeoutMs: number): Promise<void> {
    try {
      const [pong, info] = await this.#call([["PING"], ["INFO", "replication"]], timeoutMs);
      if (pong.type === "error") throw new Error(pong.message);
      if (info.type !== "bulk" && info.type !== "verbatim") {
        throw new Error(info.type === "error" ? info.message : `INFO gave a ${info.type}`);
      }
      this.info = parseReplicationInfo(new TextDecoder().decode(info.value));
      this.failingSince = undefined;
      this.lastError = undefined;
    } catch (error) {
      this.failingSince ??= performance.now();
      this.lastError = (error as Error).message;
      this.#monitor?.close();
      this.#monitor = undefined;
    }
  }

  /** Runs an administrative command (REPLICAOF) on the check connection. */
  async command(args: string[], timeoutMs: number): Promise<Reply> {
    const [reply] = await this.#call([args], timeoutMs);
    return reply;
  }

  async #call(commands: string[][], timeoutMs: number): Promise<Reply[]> {
    if (this.#closed) throw new Error("group closed");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const work = (async () => {
        this.#monitor ??= await UpstreamConnection.open({
          addr: this.addr,
          addrText: this.addrText,
          username: this.settings.username,
          password: this.settings.password,
          tls: this.settings.tls,
          target: this.settings.target,
          db: 0,
          connectTimeoutMs: timeoutMs,
        });
        const conn = this.#monitor;
        const frames = await Promise.all(commands.map((c) => conn.send(encodeCommand(c))));
        return frames.map((frame) => decodeReply(frame));
      })();
      // A late answer after the timeout must not become an unhandled rejection.
      work.catch(() => {});
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  retire(): void {
    this.#closed = true;
    this.#monitor?.close();
    this.#pool?.retire();
  }

  close(): void {
    this.#closed = true;
    this.#monitor?.close();
    this.#pool?.close();
  }
}

/** Redis reports a replica's master by the address given to REPLICAOF; localhost forms vary. */
function sameLoopback(a: string, b: string): boolean {
  const loopback = new Set(["127.0.0.1", "localhost", "::1"]);
  return loopback.has(a) && loopback.has(b);
}
