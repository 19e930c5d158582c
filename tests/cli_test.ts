import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { freePort } from "../lib/redis_process/mod.ts";
import { MAIN, runRemiro } from "./_util/remiro_cli.ts";

async function withConfig(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

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
    await withConfig(text, async (path) => {
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

integrationTest("bad flags exit 2 with usage", async () => {
  const { code, stderr } = await runRemiro(["-p", "99999"]);
  assert.equal(code, 2);
  assert.match(stderr, /--port/);
});

/**
 * Starts main.ts on a free proxy port (-p 0) and reads both ports from its start-up lines. The
 * metrics port has to be chosen up front; if something took it meanwhile, start again.
 */
async function startMain(
  config: string,
): Promise<{ child: Deno.ChildProcess; port: number; instru: number }> {
  for (let attempt = 1;; attempt++) {
    const instru = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", MAIN, "-c", config, "-p", "0", "-i", `${instru}`],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!/metrics and health on/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    reader.releaseLock();
    const port = text.match(/remiro listening on [^:]+:(\d+)/)?.[1];
    if (port && /metrics and health on/.test(text)) return { child, port: Number(port), instru };
    await child.status;
    if (attempt >= 3 || !/cannot listen/.test(text)) {
      throw new Error(`main.ts did not start:\n${text}`);
    }
  }
}

integrationTest("main.ts serves clients, /health and /metrics, and stops on SIGTERM", async () => {
  await using source = await RedisServer.start();
  await using destination = await RedisServer.start();
  await withConfig(
    `[Source]\nAddr = "${source.addr}"\n[Destination]\nAddr = "${destination.addr}"\n`,
    async (path) => {
      const { child, port, instru } = await startMain(path);
      try {
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
        const { redisCli } = await import("./_util/clients.ts");
        assert.equal((await redisCli(port, ["SET", "a", "1"])).stdout.trim(), "OK");
        const metrics = await (await fetch(`http://127.0.0.1:${instru}/metrics`)).text();
        assert.match(metrics, /remiro_command_count\{[^}]*command="set"[^}]*\} 1/);
      } finally {
        child.kill("SIGTERM");
        const status = await child.status;
        await child.stderr.cancel();
        assert.equal(status.code, 0);
      }
    },
  );
});
