import type { Metrics } from "../http/mod.ts";
import type { Log } from "../log/mod.ts";
import type { SessionLimits } from "./session.ts";

/** Redis's reply to a connection beyond `maxclients`. */
const MAX_CLIENTS_REPLY = new TextEncoder().encode("-ERR max number of clients reached\r\n");

/** How long the refusal may take to write before the connection is simply closed. */
const REFUSE_WRITE_MS = 1000;

/** The parts of the client limits each new session takes. */
export function sessionLimits(limits: {
  protoMaxBulkLen: number;
  maxMultibulkLength: number;
  clientOutputBufferLimit: number;
}): SessionLimits {
  return {
    maxBulkLength: limits.protoMaxBulkLen,
    maxMultibulkLength: limits.maxMultibulkLength,
    outputBufferLimit: limits.clientOutputBufferLimit,
  };
}

/**
 * Answers a connection beyond `MaxClients` as Redis does, then closes it. The write is not
 * waited for beyond a second: a client that does not read costs nothing more.
 */
export async function refuseClient(conn: Deno.Conn, metrics: Metrics, log?: Log): Promise<void> {
  metrics.limitExceeded("maxclients");
  log?.warn("max number of clients reached, refusing a connection");
  const timer = setTimeout(() => close(conn), REFUSE_WRITE_MS);
  try {
    await conn.write(MAX_CLIENTS_REPLY);
  } catch {
    // The client left first.
  } finally {
    clearTimeout(timer);
    close(conn);
  }
}

function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/** What the reaper needs of a client. */
export interface IdleClient {
  readonly id: number;
  /** Milliseconds without a command or reply; 0 when the client may not be closed for it. */
  idleFor(now: number): number;
  close(): void;
}

/**
 * Redis's `timeout`: one timer for all clients closes those idle longer than the limit, the
 * way Redis's clientsCron walks its clients, rather than a timer per connection.
 */
export class IdleReaper {
  #timer: ReturnType<typeof setInterval> | undefined;
  #timeoutMs = 0;

  constructor(
    private readonly clients: () => Iterable<IdleClient>,
    private readonly metrics: Metrics,
    private readonly log?: Log,
  ) {}

  /** Sets the idle timeout in milliseconds; 0 stops closing idle clients. */
  set timeoutMs(ms: number) {
    if (ms === this.#timeoutMs) return;
    this.#timeoutMs = ms;
    this.stop();
    if (ms <= 0) return;
    // Closed within a quarter of the timeout of its end, checking at most 10 times a second.
    const interval = Math.min(1000, Math.max(100, ms / 4));
    this.#timer = setInterval(() => this.#sweep(), interval);
    Deno.unrefTimer(this.#timer);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    const now = performance.now();
    const limit = this.#timeoutMs;
    for (const client of [...this.clients()]) {
      if (client.idleFor(now) < limit) continue;
      this.metrics.limitExceeded("idle_timeout");
      this.log?.debug("closing idle client", { client: client.id });
      client.close();
    }
  }
}
