import { parseAddress } from "./address.ts";
import type { GroupConfig, GroupMember } from "./config.ts";
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
  "Hash",
  "RebalanceRate",
];

/** Keys only a master-and-replicas group uses. */
const REPLICATION_KEYS = ["ReadFrom", "DownAfter", "MaxReplicaLag"];

/**
 * A ring member: `host:port`, optionally `name=` before it and `:weight` after it (twemproxy's
 * `host:port:weight name`).
 */
function parseRingMember(item: string): GroupMember {
  const named = /^([^=:\[\]]+)=(.*)$/.exec(item);
  const rest = named ? named[2] : item;
  const weighted = /^(.*:\d+):(\d+)$/.exec(rest);
  const addrText = weighted ? weighted[1] : rest;
  const member: GroupMember = { addr: parseAddress(addrText), addrText };
  if (named) member.name = named[1];
  if (weighted) {
    const weight = Number(weighted[2]);
    if (weight < 1) throw new RangeError(`weight of ${JSON.stringify(item)} must be at least 1`);
    member.weight = weight;
  }
  return member;
}

function readAddressList(
  table: Table,
  key: (name: string) => string,
  name: string,
  ring = false,
): GroupMember[] {
  const value = table[name];
  if (value === undefined) throw new KeyProblem(key(name), "required");
  if (!Array.isArray(value) || value.length === 0) {
    throw wrongType(key(name), 'a non-empty list of addresses such as ["10.0.0.1:6379"]', value);
  }
  const seen = new Set<string>();
  return value.map((item): GroupMember => {
    if (typeof item !== "string") throw wrongType(key(name), "a list of address strings", item);
    let member: GroupMember;
    try {
      member = ring ? parseRingMember(item) : { addr: parseAddress(item), addrText: item };
    } catch (error) {
      throw new KeyProblem(key(name), (error as RangeError).message);
    }
    for (const id of [member.addrText, member.name]) {
      if (id === undefined) continue;
      if (seen.has(id)) throw new KeyProblem(key(name), `${JSON.stringify(id)} is listed twice`);
      seen.add(id);
    }
    return member;
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
  const mode = readChoice(table, key("Mode"), "Mode", [
    "single",
    "failover",
    "sentinel",
    "ring",
    "cluster",
  ]);
  if (mode === undefined || mode === "single") {
    for (const name of GROUP_KEYS) {
      if ((name === "Hash" || name === "RebalanceRate") && table[name] !== undefined) {
        throw new KeyProblem(key(name), 'only used with Mode = "ring"');
      }
      if (name !== "Mode" && table[name] !== undefined) {
        throw new KeyProblem(key(name), 'needs Mode = "failover", "sentinel", "ring" or "cluster"');
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
  if (mode === "ring" || mode === "cluster") return readShards(table, key, mode, group);
  for (const name of ["Hash", "RebalanceRate"]) {
    if (table[name] !== undefined) throw new KeyProblem(key(name), 'only used with Mode = "ring"');
  }
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

/** `Mode = "ring"` or `"cluster"`: nodes that each hold part of the keys. */
function readShards(
  table: Table,
  key: (name: string) => string,
  mode: "ring" | "cluster",
  group: GroupConfig,
): GroupConfig {
  if (key("Mode").startsWith("Source.") && table["RebalanceRate"] !== undefined) {
    throw new KeyProblem(key("RebalanceRate"), "only used by a [Destination] ring");
  }
  for (const name of [...REPLICATION_KEYS, "Sentinels", "MasterName", "SentinelPassword"]) {
    if (table[name] !== undefined) {
      throw new KeyProblem(key(name), `not used with Mode = "${mode}"`);
    }
  }
  group.members = readAddressList(table, key, "Addrs", mode === "ring");
  if (mode === "ring") {
    group.hash = readChoice(table, key("Hash"), "Hash", ["ketama"]) ?? "ketama";
    group.rebalanceRate = readCount(table, key("RebalanceRate"), "RebalanceRate", 5000);
    if (group.rebalanceRate < 1) throw new KeyProblem(key("RebalanceRate"), "must be at least 1");
  } else {
    for (const name of ["Hash", "RebalanceRate"]) {
      if (table[name] !== undefined) {
        throw new KeyProblem(
          key(name),
          'only used with Mode = "ring" (a cluster places keys by slot)',
        );
      }
    }
  }
  return group;
}
