import assert from "node:assert/strict";
import { ioredisClient } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { startRemiro, withConfigFile } from "./_util/remiro_cli.ts";

integrationTest(
  "--log-format json: one JSON object per line, never a password or a stored value",
  async () => {
    await using redis = await RedisServer.start();
    const config = `Password = "pw-secret-123"\n[Destination]\nAddr = "${redis.addr}"\n`;
    await withConfigFile(config, async (path) => {
      await using remiro = await startRemiro(path, [
        "--log-format",
        "json",
        "--log-level",
        "debug",
      ]);
      {
        await using client = ioredisClient(remiro.port, { password: "pw-secret-123" });
        assert.equal(await client.set("greeting", "value-secret-456"), "OK");
        assert.equal(await client.get("greeting"), "value-secret-456");
        await redis.stop();
        await assert.rejects(client.get("greeting"), /upstream destination unavailable/);
      }
      await waitFor(() => remiro.stderr().includes('"msg":"client disconnected"'), {
        message: "no disconnect line",
      });
      remiro.signal("SIGTERM");
      assert.equal(await remiro.exited(), 0);
      const lines = remiro.stderr().trim().split("\n");
      const events = lines.map((line) => JSON.parse(line));
      for (const event of events) {
        assert.match(event.time, /^\d{4}-\d\d-\d\dT/);
        assert.ok(["debug", "info", "warn", "error"].includes(event.level), event.level);
        assert.equal(typeof event.msg, "string");
      }
      const messages = events.map((event) => `${event.level} ${event.msg}`);
      for (
        const expected of ["debug client connected", "warn upstream error", "info remiro stopped"]
      ) {
        assert.ok(messages.includes(expected), `${expected} in ${messages.join(", ")}`);
      }
      const upstream = events.find((event) => event.msg === "upstream error");
      assert.equal(upstream.target, "destination");
      assert.ok(!remiro.stderr().includes("pw-secret-123"), "no password");
      assert.ok(!remiro.stderr().includes("value-secret-456"), "no value");
    });
  },
);
