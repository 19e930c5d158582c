import type { Metrics } from "../http/mod.ts";
import type { Log } from "../log/mod.ts";
import type { Router } from "../route/mod.ts";
import type { ClientRegistry } from "./client_command.ts";
import type { Credentials } from "./credentials.ts";

/** What every session of one proxy shares. */
export interface SessionOptions {
  router: Router;
  metrics: Metrics;
  /** Who may log in; shared by every session, so a reload reaches them all. */
  credentials: Credentials;
  /**
   * Log every command at debug level: its name, or its name and arguments. Decided once
   * when the proxy starts, so commands cost nothing extra when debug lines are off.
   */
  commandLog?: "names" | "arguments";
  /** Stop reading from a client with this many replies not yet written (backpressure). */
  maxPendingReplies?: number;
  log?: Log;
  /** The proxy's refusal of a command it does not run (see command_policy.ts), if any. */
  refuse?: (name: string) => Uint8Array | undefined;
  /** All clients of the proxy, for CLIENT LIST and CLIENT KILL. */
  registry?: ClientRegistry;
  /** Request size and output buffer limits; omitted ones take their defaults. */
  limits?: SessionLimits;
}

/** What one client may send and leave unread. */
export interface SessionLimits {
  /** Largest bulk argument (`ProtoMaxBulkLen`). */
  maxBulkLength?: number;
  /** Most arguments in one request (`MaxMultibulkLength`). */
  maxMultibulkLength?: number;
  /** Bytes of replies a client may leave unread before it is closed (0: no limit). */
  outputBufferLimit?: number;
}
