import assert from "node:assert/strict";
import { rawCommand, RedisServer } from "../redis_process/mod.ts";
import { checkHealth, type HealthProbe } from "./health.ts";

function redisProbe(name: HealthProbe["name"], server: RedisServer): HealthProbe {
  return {
    name,
    async ping() {
      const reply = await rawCommand(server.hostname, server.port, ["PING"]);
      if (reply !== "+PONG\r\n") throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
    },
  };
}

Deno.test("checkHealth is OK when every server answers", async () => {
  await using source = await RedisServer.start();
  await using destination = await RedisServer.start();
  const report = await checkHealth([
    redisProbe("sourceRedis", source),
    redisProbe("destinationRedis", destination),
  ]);
  assert.equal(report.ok, true);
  assert.equal(
    JSON.stringify(report.body),
    '{"destinationRedis":{"status":"OK"},"sourceRedis":{"status":"OK"}}',
  );
});

Deno.test("checkHealth reports the error of a failing probe", async () => {
  await using destination = await RedisServer.start();
  const report = await checkHealth([
    redisProbe("destinationRedis", destination),
    { name: "sourceRedis", ping: () => Promise.reject(new Error("source unavailable: refused")) },
  ]);
  assert.equal(report.ok, false);
  assert.deepEqual(report.body, {
    destinationRedis: { status: "OK" },
    sourceRedis: { status: "Error", error: "source unavailable: refused" },
  });
});

Deno.test("checkHealth reports a stopped server", async () => {
  const destination = await RedisServer.start();
  await destination.stop();
  const report = await checkHealth([redisProbe("destinationRedis", destination)]);
  assert.equal(report.ok, false);
  const status = report.body.destinationRedis;
  assert.equal(status.status, "Error");
  assert.ok("error" in status && status.error.length > 0);
});

Deno.test("checkHealth times out a probe that hangs", async () => {
  let release!: () => void;
  const hanging = new Promise<void>((resolve) => release = resolve);
  const started = performance.now();
  const report = await checkHealth([{ name: "sourceRedis", ping: () => hanging }], 50);
  assert.ok(performance.now() - started < 1000);
  assert.deepEqual(report, {
    ok: false,
    body: { sourceRedis: { status: "Error", error: "timeout after 50 ms" } },
  });
  release();
});

Deno.test("checkHealth waits 1000 ms by default", async () => {
  const report = await checkHealth([{ name: "sourceRedis", ping: () => new Promise(() => {}) }]);
  assert.deepEqual(report.body, {
    sourceRedis: { status: "Error", error: "timeout after 1000 ms" },
  });
});

Deno.test("checkHealth of a plain proxy has only the destination", async () => {
  const report = await checkHealth([{ name: "destinationRedis", ping: () => Promise.resolve() }]);
  assert.deepEqual(report, { ok: true, body: { destinationRedis: { status: "OK" } } });
});

Deno.test("checkHealth lists an optional probe's failure without failing the check", async () => {
  const report = await checkHealth([
    { name: "destinationRedis", ping: () => Promise.resolve() },
    {
      name: "destinationRedis 10.0.0.2:6379",
      optional: true,
      ping: () => Promise.reject(new Error("connection refused")),
    },
  ]);
  assert.equal(report.ok, true);
  assert.deepEqual(report.body["destinationRedis 10.0.0.2:6379"], {
    status: "Error",
    error: "connection refused",
  });
});
