import assert from "node:assert/strict";
import { parseConfig } from "./load_config.ts";
import { assertConfigRejects } from "../../tests/_util/config_errors.ts";

const FILE = "group.toml";

function rejects(text: string, key: string, problem: RegExp): void {
  assertConfigRejects(text, FILE, key, problem);
}

Deno.test("a failover group lists its members and gets the check defaults", () => {
  const config = parseConfig(
    `[Destination]\nMode = "failover"\nAddrs = ["10.0.0.1:6379", "10.0.0.2:6379"]\n` +
      `ReadFrom = "replicas"\nPassword = "p"\n`,
    FILE,
  );
  const { destination } = config;
  assert.equal(destination.addrText, "10.0.0.1:6379,10.0.0.2:6379");
  assert.deepEqual(destination.addr, { hostname: "10.0.0.1", port: 6379 });
  assert.equal(destination.password, "p");
  assert.deepEqual(destination.group, {
    mode: "failover",
    members: [
      { addr: { hostname: "10.0.0.1", port: 6379 }, addrText: "10.0.0.1:6379" },
      { addr: { hostname: "10.0.0.2", port: 6379 }, addrText: "10.0.0.2:6379" },
    ],
    sentinels: [],
    readFrom: "replicas",
    checkIntervalMs: 1000,
    downAfterMs: 3000,
    maxReplicaLagBytes: 1024 * 1024,
  });
});

Deno.test("a sentinel group names its sentinels and the master", () => {
  const config = parseConfig(
    `[Source]\nMode = "sentinel"\nSentinels = ["s1:26379", "s2:26379"]\nMasterName = "mymaster"\n` +
      `SentinelPassword = "sp"\n` +
      `CheckInterval = "250ms"\nDownAfter = "1s"\n[Destination]\nAddr = "h:1"\n`,
    FILE,
  );
  const group = config.source?.group;
  assert.equal(group?.mode, "sentinel");
  assert.equal(group?.masterName, "mymaster");
  assert.equal(group?.sentinelPassword, "sp");
  assert.deepEqual(group?.sentinels.map((s) => s.addrText), ["s1:26379", "s2:26379"]);
  assert.equal(group?.checkIntervalMs, 250);
  assert.equal(group?.downAfterMs, 1000);
  assert.equal(config.source?.addrText, "sentinel mymaster (s1:26379,s2:26379)");
});

Deno.test("group keys are checked: mode, lists, and what each mode needs", () => {
  const d = "[Destination]\n";
  rejects(`${d}Mode = "hexagon"\nAddrs = ["h:1"]\n`, "Destination.Mode", /one of "single"/);
  rejects(`${d}Mode = "failover"\n`, "Destination.Addrs", /required/);
  rejects(`${d}Mode = "failover"\nAddrs = []\n`, "Destination.Addrs", /non-empty list/);
  rejects(`${d}Mode = "failover"\nAddrs = ["h:1", "h:1"]\n`, "Destination.Addrs", /twice/);
  rejects(`${d}Mode = "failover"\nAddrs = ["nohost"]\n`, "Destination.Addrs", /missing port/);
  rejects(`${d}Mode = "failover"\nAddrs = ["h:1"]\nAddr = "h:2"\n`, "Destination.Addr", /not used/);
  rejects(`${d}Addr = "h:1"\nAddrs = ["h:2"]\n`, "Destination.Addrs", /needs Mode/);
  rejects(`${d}Mode = "sentinel"\nSentinels = ["s:1"]\n`, "Destination.MasterName", /required/);
  rejects(
    `${d}Mode = "failover"\nAddrs = ["h:1"]\nMasterName = "m"\n`,
    "Destination.MasterName",
    /only used with Mode = "sentinel"/,
  );
  rejects(
    `${d}Mode = "failover"\nAddrs = ["h:1"]\nSentinelPassword = "p"\n`,
    "Destination.SentinelPassword",
    /only used with Mode = "sentinel"/,
  );
  rejects(
    `${d}Mode = "failover"\nAddrs = ["h:1"]\nReadFrom = "any"\n`,
    "Destination.ReadFrom",
    /one of "master", "replicas"/,
  );
  rejects(
    `${d}Mode = "failover"\nAddrs = ["h:1"]\nCheckInterval = "0s"\n`,
    "Destination.CheckInterval",
    /positive/,
  );
});

Deno.test("a ring lists its nodes, with optional names and weights", () => {
  const config = parseConfig(
    `[Destination]\nMode = "ring"\n` +
      `Addrs = ["10.0.0.1:6379", "cache-b=10.0.0.2:6379", "10.0.0.3:6380:2", "c=[::1]:7000:3"]\n`,
    FILE,
  );
  const group = config.destination.group;
  assert.equal(group?.mode, "ring");
  assert.equal(group?.hash, "ketama");
  assert.deepEqual(group?.members, [
    { addr: { hostname: "10.0.0.1", port: 6379 }, addrText: "10.0.0.1:6379" },
    { addr: { hostname: "10.0.0.2", port: 6379 }, addrText: "10.0.0.2:6379", name: "cache-b" },
    { addr: { hostname: "10.0.0.3", port: 6380 }, addrText: "10.0.0.3:6380", weight: 2 },
    { addr: { hostname: "::1", port: 7000 }, addrText: "[::1]:7000", name: "c", weight: 3 },
  ]);
  assert.equal(
    config.destination.addrText,
    "10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6380,[::1]:7000",
  );
  const cluster = parseConfig(`[Destination]\nMode = "cluster"\nAddrs = ["h:1", "h:2"]\n`, FILE);
  assert.equal(cluster.destination.group?.mode, "cluster");
  assert.deepEqual(cluster.destination.group?.members.map((m) => m.addrText), ["h:1", "h:2"]);
});

Deno.test("RebalanceRate: keys per second of a ring's rebalance, 5000 unless set", () => {
  const d = '[Destination]\nMode = "ring"\nAddrs = ["h:1"]\n';
  assert.equal(parseConfig(d, FILE).destination.group?.rebalanceRate, 5000);
  assert.equal(
    parseConfig(`${d}RebalanceRate = 200\n`, FILE).destination.group?.rebalanceRate,
    200,
  );
  rejects(`${d}RebalanceRate = 0\n`, "Destination.RebalanceRate", /at least 1/);
  rejects(`${d}RebalanceRate = "fast"\n`, "Destination.RebalanceRate", /an integer/);
  for (
    const section of [
      'Mode = "cluster"\nAddrs = ["h:1"]',
      'Mode = "failover"\nAddrs = ["h:1"]',
      'Addr = "h:1"',
    ]
  ) {
    rejects(
      `[Destination]\n${section}\nRebalanceRate = 10\n`,
      "Destination.RebalanceRate",
      /only used with Mode = "ring"/,
    );
  }
});

Deno.test("ring and cluster keys are checked", () => {
  const d = "[Destination]\n";
  rejects(`${d}Mode = "ring"\nAddrs = ["h:1"]\nHash = "crc32"\n`, "Destination.Hash", /"ketama"/);
  rejects(`${d}Mode = "ring"\nAddrs = ["h:1:0"]\n`, "Destination.Addrs", /at least 1/);
  rejects(
    `${d}Mode = "ring"\nAddrs = ["a=h:1", "a=h:2"]\n`,
    "Destination.Addrs",
    /"a" is listed twice/,
  );
  rejects(`${d}Mode = "ring"\nAddrs = ["h:1", "x=h:1"]\n`, "Destination.Addrs", /twice/);
  rejects(
    `${d}Mode = "ring"\nAddrs = ["h:1"]\nReadFrom = "replicas"\n`,
    "Destination.ReadFrom",
    /not used/,
  );
  rejects(
    `${d}Mode = "cluster"\nAddrs = ["h:1"]\nHash = "ketama"\n`,
    "Destination.Hash",
    /only used/,
  );
  rejects(
    `${d}Mode = "failover"\nAddrs = ["h:1"]\nHash = "ketama"\n`,
    "Destination.Hash",
    /only used/,
  );
  rejects(
    `${d}Addr = "h:1"\nHash = "ketama"\n`,
    "Destination.Hash",
    /only used with Mode = "ring"/,
  );
  rejects(
    `[Source]\nMode = "ring"\nAddrs = ["h:1"]\nRebalanceRate = 10\n${d}Addr = "h:2"\n`,
    "Source.RebalanceRate",
    /only used by a \[Destination\] ring/,
  );
});
