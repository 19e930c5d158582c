import { type Address, parseAddress } from "./address.ts";
import type { GroupConfig } from "./config.ts";
import {
  KeyProblem,
  readCount,
  readDurationMs,
  readOptionalString,
  type Table,
  wrongType,
} from "./config_reader.ts";

/** Keys of a `[Source]`/`[Destination]` section that describe a group of servers. */
export const GROUP_KEYS = [
  "Mode",
  "Addrs",
  "ReadFrom",
  "CheckInterval",
  "DownAfter",
  "MaxReplicaLag",
  "Sentinels",
  "MasterName",
  "SentinelPassword",
];

function readAddressList(table: Table, key: (name: string) => string, name: string) {
  const value = table[name];
  if (value === undefined) throw new KeyProblem(key(name), "required");
  if (!Array.isArray(value) || value.length === 0) {
    throw wrongType(key(name), 'a non-empty list of addresses such as ["10.0.0.1:6379"]', value);
  }
  const seen = new Set<string>();
  return value.map((item): { addr: Address; addrText: string } => {
    if (typeof item !== "string") throw wrongType(key(name), "a list of address strings", item);
    if (seen.has(item)) throw new KeyProblem(key(name), `${JSON.stringify(item)} is listed twice`);
    seen.add(item);
    try {
      return { addr: parseAddress(item), addrText: item };
    } catch (error) {
      throw new KeyProblem(key(name), (error as RangeError).message);
    }
  });
}

function readChoice<T extends string>(
  table: Table,
  key: string,
  name: string,
  choices: readonly T[],
): T | undefined {
  const value = table[name];
  if (value === undefined) return undefined;
  const found = choices.find((choice) => choice === value);
  if (found === undefined) {
    throw new KeyProblem(
      key,
      `expected one of ${choices.map((c) => JSON.stringify(c)).join(", ")}, got ${
        JSON.stringify(value)
      }`,
    );
  }
  return found;
}

/**
 * Reads the group keys of a server section (`Mode = "failover"` or `"sentinel"`); undefined
 * for a single server (no `Mode`, or `Mode = "single"`), which then needs `Addr`.
 */
export function readGroup(table: Table, key: (name: string) => string): GroupConfig | undefined {
  const mode = readChoice(table, key("Mode"), "Mode", ["single", "failover", "sentinel"]);
  if (mode === undefined || mode === "single") {
    for (const name of GROUP_KEYS) {
      if (name !== "Mode" && table[name] !== undefined) {
        throw new KeyProblem(key(name), 'needs Mode = "failover" or Mode = "sentinel"');
      }
    }
    return undefined;
  }
  if (table.Addr !== undefined) {
    throw new KeyProblem(
      key("Addr"),
      `not used with Mode = "${mode}" (list the servers elsewhere)`,
    );
  }
  const checkIntervalMs = readDurationMs(table, key("CheckInterval"), "CheckInterval", "1s");
  if (checkIntervalMs <= 0) throw new KeyProblem(key("CheckInterval"), "must be positive");
  const group: GroupConfig = {
    mode,
    members: [],
    sentinels: [],
    readFrom: readChoice(table, key("ReadFrom"), "ReadFrom", ["master", "replicas"]) ?? "master",
    checkIntervalMs,
    downAfterMs: readDurationMs(table, key("DownAfter"), "DownAfter", "3s"),
    maxReplicaLagBytes: readCount(table, key("MaxReplicaLag"), "MaxReplicaLag", 1024 * 1024),
  };
  if (mode === "failover") {
    for (const name of ["Sentinels", "MasterName", "SentinelPassword"]) {
      if (table[name] !== undefined) {
        throw new KeyProblem(key(name), 'only used with Mode = "sentinel"');
      }
    }
    group.members = readAddressList(table, key, "Addrs");
    return group;
  }
  if (table.Addrs !== undefined) {
    throw new KeyProblem(key("Addrs"), 'not used with Mode = "sentinel" (Sentinels finds them)');
  }
  group.sentinels = readAddressList(table, key, "Sentinels");
  const masterName = table.MasterName;
  if (typeof masterName !== "string" || masterName === "") {
    throw masterName === undefined
      ? new KeyProblem(key("MasterName"), 'required with Mode = "sentinel"')
      : wrongType(key("MasterName"), "a non-empty string", masterName);
  }
  group.masterName = masterName;
  const sentinelPassword = readOptionalString(table, key("SentinelPassword"), "SentinelPassword");
  if (sentinelPassword) group.sentinelPassword = sentinelPassword;
  return group;
}
