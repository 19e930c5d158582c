import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { runRemiro, startRemiro, withConfigFile } from "./_util/remiro_cli.ts";

integrationTest("--help prints usage and exits 0", async () => {
  const { code, stdout } = await runRemiro(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /-h, --host HOST/);
  assert.match(stdout, /-i, --instru-port PORT/);
});

integrationTest("config errors stop start-up with one clear line and exit code 2", async () => {
  const cases: [string, RegExp][] = [
    ['[Destination]\nAddr = "127.0.0.1:6379"\nDeleteOnGett = true\n', /unknown key/],
    ['DeleteOnGet = "yes"\n[Destination]\nAddr = "127.0.0.1:6379"\n', /DeleteOnGet/],
    ['[Destination]\nAddr = "127.0.0.1:6379"\nIdleTimeout = "30x"\n', /Destination\.IdleTimeout/],
    ['[Destination]\nAddr = "redis"\n', /Destination\.Addr/],
    ["[Destination\n", /invalid TOML at line 1/],
    ["DeleteOnGet = true\n", /\[Destination\]/],
  ];
  for (const [text, expected] of cases) {
    await withConfigFile(text, async (path) => {
      const { code, stderr } = await runRemiro(["-c", path, "-p", "0"]);
      assert.equal(code, 2, stderr);
      const lines = stderr.trim().split("\n");
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0], expected);
      assert.ok(lines[0].includes(path), "names the file");
    });
  }
  const missing = await runRemiro(["-c", "/nonexistent/remiro.toml"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /remiro\.toml.*not found/);
});

integrationTest("remiro health reports an unhealthy upstream with exit code 1", async () => {
  await using redis = await RedisServer.start();
  await withConfigFile(`[Destination]\nAddr = "${redis.addr}"\n`, async (path) => {
    await using remiro = await startRemiro(path);
    await redis.stop();
    const sick = await runRemiro(["health", "--url", `http://127.0.0.1:${remiro.instru}/health`]);
    assert.equal(sick.code, 1);
    assert.match(sick.stderr, /"destinationRedis":\{"status":"Error"/);
    const usage = await runRemiro(["health", "--timeout", "soon"]);
    assert.equal(usage.code, 2);
  });
});

integrationTest("bad flags exit 2 with usage", async () => {
  const { code, stderr } = await runRemiro(["-p", "99999"]);
  assert.equal(code, 2);
  assert.match(stderr, /--port/);
});

integrationTest("main.ts serves clients, /health and /metrics, and stops on SIGTERM", async () => {
  await using source = await RedisServer.start();
  await using destination = await RedisServer.start();
  await withConfigFile(
    `[Source]\nAddr = "${source.addr}"\n[Destination]\nAddr = "${destination.addr}"\n`,
    async (path) => {
      await using remiro = await startRemiro(path);
      const { port, instru } = remiro;
      {
        await waitFor(async () => {
          try {
            return (await fetch(`http://127.0.0.1:${instru}/health`)).status === 200;
          } catch {
            return false;
          }
        }, { timeoutMs: 20_000, message: "proxy never became healthy" });
        const health = await (await fetch(`http://127.0.0.1:${instru}/health`)).json();
        assert.deepEqual(health, {
          destinationRedis: { status: "OK" },
          sourceRedis: { status: "OK" },
        });
        const healthy = await runRemiro(["health", "--url", `http://127.0.0.1:${instru}/health`]);
        assert.equal(healthy.code, 0, healthy.stderr);
        assert.match(healthy.stdout, /"destinationRedis":\{"status":"OK"\}/);
        const { redisCli } = await import("./_util/clients.ts");
        assert.equal((await redisCli(port, ["SET", "a", "1"])).stdout.trim(), "OK");
        const metrics = await (await fetch(`http://127.0.0.1:${instru}/metrics`)).text();
        assert.match(metrics, /remiro_command_count\{[^}]*command="set"[^}]*\} 1/);
      }
      remiro.signal("SIGTERM");
      assert.equal(await remiro.exited(), 0);
      const gone = await runRemiro(["health", "--url", `http://127.0.0.1:${instru}/health`]);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /remiro health: http:\/\/127\.0\.0\.1:\d+\/health: /);
    },
  );
});
