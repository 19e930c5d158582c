import assert from "node:assert/strict";
import type { LogEntry } from "../log/mod.ts";
import type { HealthProbe } from "./health.ts";
import { Metrics } from "./metrics.ts";
import {
  bucketQuantile,
  type MigrationProgress,
  StatusBoard,
  type StatusBoardOptions,
  type UpstreamGroupSource,
} from "./status_board.ts";

const healthy = (name: string): HealthProbe => ({ name, ping: () => Promise.resolve() });
const broken = (name: string, reason: string): HealthProbe => ({
  name,
  ping: () => Promise.reject(new Error(reason)),
});

function group(name: string, ...probes: HealthProbe[]): UpstreamGroupSource {
  return {
    name,
    members: probes.map((probe, i) => ({
      name: `${name}-${i}`,
      address: `10.0.0.${i + 1}:6379`,
      probe,
    })),
  };
}

/** A board over real Metrics, with a clock the test moves. */
function board(overrides: Partial<StatusBoardOptions> = {}) {
  const metrics = new Metrics(new Set(["get", "set"]));
  const clock = { now: 1_000_000 };
  const statusBoard = new StatusBoard({
    metrics,
    upstreams: () => [],
    process: { mode: "migration", listen: "127.0.0.1:6380", startedAt: 990_000 },
    now: () => clock.now,
    ...overrides,
  });
  return { metrics, clock, board: statusBoard };
}

Deno.test("bucketQuantile interpolates within the bucket holding the rank", () => {
  const bounds = [1, 2, 4];
  assert.equal(bucketQuantile(bounds, [0, 0, 0, 0], 0.5), null);
  assert.equal(bucketQuantile(bounds, [10, 0, 0, 0], 0.5), 0.5);
  assert.equal(bucketQuantile(bounds, [0, 4, 0, 0], 1), 2);
  // 100 observations: 90 in (0, 1], 10 in (2, 4]; p99 is the 99th, 9/10 into (2, 4].
  assert.equal(bucketQuantile(bounds, [90, 0, 10, 0], 0.99), 3.8);
  assert.equal(bucketQuantile(bounds, [90, 0, 10, 0], 0.5), 50 / 90);
  assert.equal(bucketQuantile(bounds, [1, 0, 0, 5], 0.99), 4, "past the last bound");
});

Deno.test("StatusBoard samples rates and percentiles over each interval only", async () => {
  const { metrics, clock, board: b } = board();
  for (let i = 0; i < 100; i++) metrics.observeLatency("get", 0.07);
  const first = await b.sample();
  assert.equal(first.requests, 100);
  assert.equal(first.requestsPerSecond, null, "no interval before the first sample");
  assert.ok(first.p50Ms !== null && first.p50Ms > 0.05 && first.p50Ms <= 0.1);

  clock.now += 2000;
  for (let i = 0; i < 50; i++) metrics.observeLatency("set", 40);
  metrics.keyCopied();
  metrics.upstreamError("source");
  const second = await b.sample();
  assert.equal(second.requestsPerSecond, 25);
  assert.ok(second.p50Ms !== null && second.p50Ms > 25 && second.p50Ms <= 50, "fast ones excluded");
  assert.ok(second.p99Ms !== null && second.p99Ms > 25 && second.p99Ms <= 50);
  assert.deepEqual([second.keysCopied, second.upstreamErrors, second.swept], [1, 1, null]);

  clock.now += 2000;
  const idle = await b.sample();
  assert.deepEqual([idle.requestsPerSecond, idle.p50Ms, idle.p99Ms], [0, null, null]);
});

Deno.test("StatusBoard keeps at most `keep` samples, oldest dropped", async () => {
  const { clock, board: b } = board({ keep: 3 });
  for (let i = 0; i < 5; i++) {
    clock.now += 1000;
    await b.sample();
  }
  assert.deepEqual(b.samples.map((s) => s.time), [1_003_000, 1_004_000, 1_005_000]);
  assert.equal((await b.report()).history.samples.length, 3);
});

Deno.test("StatusBoard reports groups of members with their health", async () => {
  const { board: b } = board({
    upstreams: () => [
      group("source", broken("sourceRedis", "source unavailable: connection refused")),
      group("destination", healthy("destinationRedis")),
      group("cache", healthy("a"), broken("b", "timeout"), healthy("c")),
      group("gone", broken("x", "refused"), broken("y", "refused")),
    ],
    healthTimeoutMs: 50,
  });
  const { upstreams } = await b.report();
  assert.deepEqual(upstreams[0], {
    name: "source",
    status: "Down",
    members: [{
      name: "source-0",
      address: "10.0.0.1:6379",
      role: null,
      status: "Error",
      error: "source unavailable: connection refused",
    }],
  });
  assert.deepEqual(upstreams[1].members[0], {
    name: "destination-0",
    address: "10.0.0.1:6379",
    role: null,
    status: "OK",
    error: null,
  });
  assert.deepEqual(upstreams.map((g) => g.status), ["Down", "OK", "Degraded", "Down"]);
  assert.deepEqual(upstreams[2].members.map((m) => m.status), ["OK", "Error", "OK"]);
});

Deno.test("StatusBoard bounds a probe that hangs by its health timeout", async () => {
  let release = () => {};
  const hanging: HealthProbe = {
    name: "slow",
    ping: () => new Promise<void>((resolve) => release = resolve),
  };
  const { board: b } = board({ upstreams: () => [group("slow", hanging)], healthTimeoutMs: 30 });
  const [member] = (await b.report()).upstreams[0].members;
  release();
  assert.equal(member.status, "Error");
  assert.match(member.error ?? "", /timeout after 30 ms/);
});

Deno.test("StatusBoard reports process, traffic, migration and recent errors", async () => {
  const progress: MigrationProgress = {
    scanned: 300,
    total: 1000,
    moved: 290,
    errors: 10,
    remaining: 700,
    done: false,
  };
  const entries: LogEntry[] = Array.from({ length: 25 }, (_, i) => ({
    time: new Date(i * 1000).toISOString(),
    level: i % 2 ? "error" : "warn",
    message: `problem ${i}`,
    fields: { target: "source" },
  }));
  const { metrics, clock, board: b } = board({
    migration: () => progress,
    recentErrors: () => entries,
  });
  metrics.clientConnected();
  metrics.commandSent("source", "get");
  metrics.observeLatency("get", 1);
  await b.sample();
  clock.now += 1000;
  const report = await b.report();
  assert.deepEqual(report.process, {
    mode: "migration",
    listen: "127.0.0.1:6380",
    startedAt: 990_000,
    uptimeSeconds: 11,
  });
  assert.equal(report.time, 1_001_000);
  assert.equal(report.traffic.requests, 1);
  assert.equal(report.traffic.upstreamCommands, 1);
  assert.equal(report.traffic.clients, 1);
  assert.equal(report.traffic.requestsPerSecond, null, "one sample is no interval yet");
  assert.deepEqual(report.migration, { ...progress });
  assert.deepEqual(report.history.samples.map((s) => s.swept), [290]);
  assert.equal(report.history.intervalMs, 2000);
  assert.equal(report.recentErrors.length, 20);
  assert.equal(report.recentErrors[0].message, "problem 24", "newest first");
  assert.equal(report.recentErrors[19].message, "problem 5");
  // What /admin/status serves is this report as JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report);

  progress.total = undefined;
  progress.remaining = undefined;
  const unknown = await b.report();
  assert.deepEqual([unknown.migration?.total, unknown.migration?.remaining], [null, null]);
});

Deno.test("StatusBoard without a sweeper or a logger reports null and no errors", async () => {
  const { board: b } = board({ migration: () => undefined });
  const report = await b.report();
  assert.equal(report.migration, null);
  assert.deepEqual(report.recentErrors, []);
  assert.deepEqual(report.history.samples, []);
});

Deno.test("StatusBoard samples on a timer until stopped, leaving no timer behind", async () => {
  const { board: b } = board({ sampleMs: 10, now: Date.now });
  b.start();
  b.start();
  while (b.samples.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  await b.stop();
  const taken = b.samples.length;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(b.samples.length, taken, "no sample after stop");
});
