import { encodeError } from "../resp/mod.ts";

/** Switches of the config that change the policy. */
export interface PolicyOptions {
  /** `AllowFlush`: run FLUSHDB/FLUSHALL instead of refusing them. */
  allowFlush: boolean;
}

/**
 * Commands that would stop, reconfigure or take over the server for every client behind the
 * proxy (and, in migration mode, leave the two servers out of step). An operator runs them on
 * the server itself, never through a proxy that applications share.
 */
const NOT_THROUGH_PROXY: ReadonlyMap<string, string> = new Map([
  ["debug", "it can crash, stall or reload the server for every client"],
  ["shutdown", "it would stop the server for every client"],
  ["replicaof", "it would make the server a replica of another"],
  ["slaveof", "it would make the server a replica of another"],
  ["failover", "it would hand the server's role to a replica"],
  ["sync", "replication needs a direct connection to the server"],
  ["psync", "replication needs a direct connection to the server"],
  ["module", "loading modules changes the server for every client"],
]);

const FLUSH = new Set(["flushdb", "flushall"]);

/**
 * The proxy's refusal of a command, or undefined when it runs. CLUSTER is answered as a
 * standalone Redis answers it: clients then talk to the proxy as to one server.
 */
export function refusedCommand(
  name: string,
  options: PolicyOptions,
): Uint8Array | undefined {
  const reason = NOT_THROUGH_PROXY.get(name);
  if (reason !== undefined) {
    return encodeError(`ERR '${name.toUpperCase()}' is not allowed through remiro: ${reason}`);
  }
  if (name === "cluster") return encodeError("ERR This instance has cluster support disabled");
  if (FLUSH.has(name) && !options.allowFlush) {
    return encodeError(
      `ERR ${name.toUpperCase()} is disabled in remiro (set AllowFlush = true in the config ` +
        "to allow it)",
    );
  }
  return undefined;
}
