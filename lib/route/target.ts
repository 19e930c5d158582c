import type { Metrics } from "../http/mod.ts";
import { encodeError, encodeRequest, errorMessage } from "../resp/mod.ts";
import { type Request, UpstreamError, type UpstreamPool } from "../upstream/mod.ts";

/** The database a client has not changed with SELECT: each server's configured `DB`. */
export const DEFAULT_DB = -1;

/**
 * One upstream server as routers see it: its pool, its configured database, and the
 * `remiro_command_count` counter for everything sent to it.
 */
export class Target {
  constructor(
    readonly name: "source" | "destination",
    readonly pool: UpstreamPool,
    readonly defaultDb: number,
    readonly metrics: Metrics,
  ) {}

  /** The server-side database for a client's database ({@linkcode DEFAULT_DB} = configured). */
  db(clientDb: number): number {
    return clientDb === DEFAULT_DB ? this.defaultDb : clientDb;
  }

  /**
   * Sends an encoded command on the shared pipelined connection speaking `protocol` (RESP3
   * clients get RESP3 replies from RESP3 connections; nothing is converted).
   */
  send(
    clientDb: number,
    command: string,
    frame: Request,
    protocol: 2 | 3 = 2,
  ): Promise<Uint8Array> {
    this.metrics.commandSent(this.name, command);
    return this.pool.send(this.db(clientDb), frame, protocol);
  }

  /** Encodes and sends a command built by the proxy itself. */
  call(
    clientDb: number,
    args: readonly (string | Uint8Array)[],
    protocol: 2 | 3 = 2,
  ): Promise<Uint8Array> {
    return this.send(clientDb, commandName(args[0]), encodeRequest(args), protocol);
  }

  /** Sends commands back to back on one connection, one promise per command. */
  callAll(
    clientDb: number,
    commands: readonly (readonly (string | Uint8Array)[])[],
    protocol: 2 | 3 = 2,
  ): Promise<Uint8Array>[] {
    return commands.map((args) => this.call(clientDb, args, protocol));
  }

  /**
   * Runs a command that may block the connection (BLPOP, XREAD BLOCK, WAIT) on a dedicated
   * connection, so it never stalls the commands of other clients.
   */
  async sendBlocking(
    clientDb: number,
    command: string,
    frame: Request,
    protocol: 2 | 3 = 2,
  ): Promise<Uint8Array> {
    this.metrics.commandSent(this.name, command);
    const conn = await this.pool.acquire(this.db(clientDb), protocol);
    try {
      return await conn.send(frame);
    } finally {
      this.pool.release(conn);
    }
  }

  /**
   * Opens (or reuses) a connection selecting `clientDb`; resolves with Redis's error frame
   * when the database does not exist. Shared connections never change database, so SELECT is
   * checked on a pooled dedicated one.
   */
  async checkDb(clientDb: number): Promise<Uint8Array | undefined> {
    let conn;
    try {
      conn = await this.pool.acquire(this.db(clientDb));
    } catch (error) {
      if (error instanceof UpstreamError && error.reason.startsWith("ERR DB index")) {
        return encodeError("ERR DB index is out of range");
      }
      throw error;
    }
    this.pool.release(conn);
    return undefined;
  }

  /** Resolves when the server answers PING with PONG; rejects with the reason otherwise. */
  async ping(): Promise<void> {
    const reply = await this.call(DEFAULT_DB, ["PING"]);
    const error = errorMessage(reply);
    if (error !== undefined) throw new Error(error);
  }
}

const decoder = new TextDecoder();

function commandName(verb: string | Uint8Array): string {
  return (typeof verb === "string" ? verb : decoder.decode(verb)).toLowerCase();
}
