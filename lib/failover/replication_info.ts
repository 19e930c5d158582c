/** What `INFO replication` says about one server. */
export interface ReplicationInfo {
  role: "master" | "replica";
  /** The replication offset: `master_repl_offset` of a master, `slave_repl_offset` of a replica. */
  offset: number;
  /** `slave_priority` (replica-priority): 0 means never promote. */
  priority: number;
  /** A replica's master, as configured with REPLICAOF. */
  masterHost?: string;
  masterPort?: number;
  /** A replica's `master_link_status:up`. */
  linkUp: boolean;
}

/**
 * Parses the text of `INFO replication` (Redis 2.8 to 8). Throws a SyntaxError when the
 * role is missing, so a server that answered something else is never taken for a master.
 *
 * @example
 * ```ts
 * import { parseReplicationInfo } from "./replication_info.ts";
 * const info = parseReplicationInfo("# Replication\r\nrole:master\r\nmaster_repl_offset:42\r\n");
 * console.assert(info.role === "master" && info.offset === 42);
 * ```
 */
export function parseReplicationInfo(text: string): ReplicationInfo {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  const role = fields.get("role");
  if (role !== "master" && role !== "slave") {
    throw new SyntaxError(`Cannot read INFO replication: role is ${JSON.stringify(role)}`);
  }
  const number = (name: string, fallback: number) => {
    const value = Number(fields.get(name));
    return Number.isFinite(value) && fields.has(name) ? value : fallback;
  };
  if (role === "master") {
    return {
      role: "master",
      offset: number("master_repl_offset", 0),
      priority: number("slave_priority", 100),
      linkUp: true,
    };
  }
  return {
    role: "replica",
    offset: number("slave_repl_offset", 0),
    priority: number("slave_priority", 100),
    masterHost: fields.get("master_host"),
    masterPort: number("master_port", 0),
    linkUp: fields.get("master_link_status") === "up",
  };
}
