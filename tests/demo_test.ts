import assert from "node:assert/strict";
import { main } from "../lib/cli/mod.ts";
import { redisCli } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { waitFor } from "./_util/redis.ts";

integrationTest("remiro demo serves sample keys from its source and stops cleanly", async () => {
  const lines: string[] = [];
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => stop = resolve);
  const running = main(["demo", "-p", "0", "-i", "0"], {
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
  }, () => stopped);
  await waitFor(() => lines.some((l) => l.includes("proxy ")), { timeoutMs: 15_000 });
  const port = Number(lines.join("\n").match(/proxy\s+127\.0\.0\.1:(\d+)/)![1]);
  assert.equal((await redisCli(port, ["GET", "greeting"])).stdout.trim(), "hello from the source");
  assert.equal((await redisCli(port, ["HGET", "user:1", "name"])).stdout.trim(), "Ada");
  assert.equal((await redisCli(port, ["INCR", "counter"])).stdout.trim(), "42");
  assert.match(lines.join("\n"), /redis-cli -p \d+ GET greeting/);
  stop();
  assert.equal(await running, 0);
});
