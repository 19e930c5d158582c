import assert from "node:assert/strict";
import { localServerConfig, startProxy } from "../lib/cli/mod.ts";
import type { Config } from "../lib/config/mod.ts";
import { type LogFormat, Logger } from "../lib/log/mod.ts";
import { ioredisClient } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { RedisServer } from "./_util/redis.ts";

const SECRETS = {
  proxy: "proxy-pass-7f3a",
  user: "user-pass-91bc",
  disabled: "disabled-pass-55d0",
  token: "admin-token-c4e2",
  upstream: "upstream-pass-0a9d",
  wrongUpstream: "stale-upstream-pass-e817",
  guess: "guessed-pass-3b6f",
};

function config(upstream: RedisServer, upstreamPassword: string): Config {
  return {
    deleteOnGet: false,
    deleteOnSet: false,
    password: SECRETS.proxy,
    adminToken: SECRETS.token,
    users: [
      {
        name: "app",
        password: SECRETS.user,
        nopass: false,
        commands: ["+@read", "+client|list", "+acl|whoami"],
        keys: ["app:*"],
        enabled: true,
      },
      {
        name: "old",
        password: SECRETS.disabled,
        nopass: false,
        commands: ["allcommands"],
        keys: ["*"],
        enabled: false,
      },
    ],
    destination: localServerConfig(upstream, { password: upstreamPassword }),
  };
}

/** Everything a client, a scraper and an operator can see of a proxy, as text. */
async function drive(
  upstream: RedisServer,
  format: LogFormat,
  logArguments: boolean,
  upstreamPassword: string,
): Promise<{ logs: string[]; seen: string[] }> {
  const logs: string[] = [];
  const log = new Logger({ level: "debug", format, write: (line) => logs.push(line) });
  const seen: string[] = [];
  await using proxy = startProxy(config(upstream, upstreamPassword), {
    host: "127.0.0.1",
    port: 0,
    instruPort: 0,
    log,
    logArguments,
  });
  await using conn = await RawConnection.open(proxy.port);
  const script = [
    ["GET", "app:1"],
    ["AUTH", "app", SECRETS.guess],
    ["AUTH", SECRETS.guess],
    ["AUTH", "old", SECRETS.disabled],
    ["HELLO", "3", "AUTH", "app", SECRETS.guess],
    ["AUTH", "app", SECRETS.user],
    ["SET", "app:1", "v"],
    ["GET", "other"],
    ["GET", "app:1"],
    ["MGET", "app:1", "app:2"],
    ["CLIENT", "LIST"],
    ["CLIENT", "SETNAME", "named"],
    ["ACL", "WHOAMI"],
    ["AUTH", SECRETS.proxy],
    ["CLIENT", "LIST"],
    // The same password again: the upstream's own secret passes through, never into a log.
    ["CONFIG", "SET", "requirepass", SECRETS.upstream],
  ];
  for (const command of script) seen.push(...await conn.call(command));
  const base = `http://127.0.0.1:${proxy.instruPort}`;
  for (const path of ["/health", "/metrics", "/admin/status", "/admin/migration"]) {
    const response = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${SECRETS.token}` },
    });
    seen.push(`${path} ${response.status} ${await response.text()}`);
  }
  const refused = await fetch(`${base}/admin/reload`, {
    method: "POST",
    headers: { authorization: `Bearer ${SECRETS.guess}` },
  });
  seen.push(`reload ${refused.status} ${await refused.text()}`);
  seen.push(await proxy.metrics.registry.metrics());
  return { logs, seen };
}

function assertNoSecrets(where: string, texts: readonly string[]): void {
  for (const text of texts) {
    for (const [name, secret] of Object.entries(SECRETS)) {
      assert.ok(!text.includes(secret), `${name} secret in ${where}: ${text.slice(0, 300)}`);
    }
  }
}

integrationTest("passwords and tokens appear in no reply, log line, metric or page", async () => {
  await using upstream = await RedisServer.start({ password: SECRETS.upstream });
  for (const format of ["text", "json"] as const) {
    for (const logArguments of [false, true]) {
      const { logs, seen } = await drive(upstream, format, logArguments, SECRETS.upstream);
      assertNoSecrets(`${format} logs`, logs);
      assertNoSecrets("replies and pages", seen);
      // What was captured is what the test is about.
      assert.ok(
        seen.includes("-WRONGPASS invalid username-password pair or user is disabled.\r\n"),
      );
      assert.ok(seen.some((frame) => frame.includes(" user=app ")), "CLIENT LIST");
      assert.ok(
        seen.some((frame) => /^remiro_auth_failures_total\{reason="wrongpass"\} 4$/m.test(frame)),
      );
      const commandLines = logs.filter((line) => line.includes("command"));
      const get = commandLines.find((line) =>
        format === "text" ? / name=get\b/.test(line) : JSON.parse(line).name === "get"
      );
      assert.ok(get, `no command line for GET in ${commandLines.join("\n")}`);
      assert.equal(get.includes("app:1"), logArguments, get);
      const auth = commandLines.filter((line) =>
        format === "text" ? / name=auth\b/.test(line) : JSON.parse(line).name === "auth"
      );
      assert.equal(auth.length > 0, true);
      if (logArguments) assert.ok(auth.every((line) => line.includes("(redacted)")), auth[0]);
    }
  }
});

integrationTest(
  "a wrong upstream password shows in errors, logs and /health as no secret",
  async () => {
    await using upstream = await RedisServer.start({ password: SECRETS.upstream });
    for (const format of ["text", "json"] as const) {
      const { logs, seen } = await drive(upstream, format, true, SECRETS.wrongUpstream);
      assertNoSecrets(`${format} logs`, logs);
      assertNoSecrets("replies and pages", seen);
      assert.ok(
        seen.some((frame) => frame.startsWith("-") && /WRONGPASS|NOAUTH|upstream/i.test(frame)),
        `the upstream's refusal reached the client: ${seen.slice(0, 12).join(" | ")}`,
      );
    }
  },
);

integrationTest("without debug lines no command is logged", async () => {
  await using upstream = await RedisServer.start();
  const logs: string[] = [];
  const log = new Logger({ level: "info", write: (line) => logs.push(line) });
  await using proxy = startProxy({
    deleteOnGet: false,
    deleteOnSet: false,
    destination: localServerConfig(upstream),
  }, { host: "127.0.0.1", port: 0, log, logArguments: true });
  await using client = ioredisClient(proxy.port);
  await client.set("k", "v");
  assert.equal(await client.get("k"), "v");
  assert.deepEqual(logs.filter((line) => line.includes("command")), []);
});
