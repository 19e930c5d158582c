import assert from "node:assert/strict";
import net from "node:net";
import { localServerConfig, type RunningProxy, startProxy } from "../lib/cli/mod.ts";
import type { Config, UserConfig } from "../lib/config/mod.ts";
import { ioredisClient } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { startRemiro, withConfigFile } from "./_util/remiro_cli.ts";

const ADMIN_PASSWORD = "admin-pw";

const USERS: UserConfig[] = [
  {
    name: "reader",
    password: "reader-pw",
    nopass: false,
    commands: ["+@read", "-@dangerous", "+acl|whoami"],
    keys: ["app:*"],
    enabled: true,
  },
  {
    name: "tx",
    password: "tx-pw",
    nopass: false,
    commands: ["+@read", "+multi", "+exec", "+discard"],
    keys: ["app:*"],
    enabled: true,
  },
  {
    name: "off",
    password: "off-pw",
    nopass: false,
    commands: ["allcommands"],
    keys: ["allkeys"],
    enabled: false,
  },
];

/** The same users set on a real redis-server with ACL SETUSER, to compare replies with. */
async function referenceServer(users: readonly UserConfig[]): Promise<RedisServer> {
  const server = await RedisServer.start();
  await using admin = ioredisClient(server.port);
  for (const user of users) {
    await admin.call(
      "ACL",
      "SETUSER",
      user.name,
      "reset",
      user.enabled ? "on" : "off",
      user.nopass ? "nopass" : `>${user.password}`,
      ...user.keys.map((pattern) => `~${pattern}`),
      ...user.commands,
    );
  }
  await admin.call("ACL", "SETUSER", "default", "resetpass", `>${ADMIN_PASSWORD}`);
  return server;
}

function proxyConfig(upstream: RedisServer, users: UserConfig[], extra: Partial<Config> = {}) {
  const config: Config = {
    deleteOnGet: false,
    deleteOnSet: false,
    password: ADMIN_PASSWORD,
    users,
    destination: localServerConfig(upstream),
    ...extra,
  };
  return config;
}

async function startAclProxy(
  upstream: RedisServer,
  users = USERS,
  extra: Partial<Config> = {},
): Promise<RunningProxy> {
  return await startProxy(proxyConfig(upstream, users, extra), {
    host: "127.0.0.1",
    port: 0,
    instruPort: 0,
  });
}

/** Runs the same commands on one connection to each port; returns both replies, raw. */
async function both(ports: [number, number], commands: string[][]) {
  const replies: string[][] = [];
  for (const port of ports) {
    await using conn = await RawConnection.open(port);
    const frames: string[] = [];
    for (const command of commands) frames.push(...await conn.call(command));
    replies.push(frames);
  }
  return replies;
}

const NOPERM_KEY = "-NOPERM this user has no permissions to access one of the keys used as " +
  "arguments\r\n";
const noperm = (command: string) =>
  `-NOPERM this user has no permissions to run the '${command}' command\r\n`;
const WRONGPASS = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";

integrationTest(
  "a read-only user with key patterns gets redis-server's exact replies",
  async () => {
    await using upstream = await RedisServer.start();
    await using reference = await referenceServer(USERS);
    await using proxy = await startAclProxy(upstream);
    const script = [
      ["GET", "app:1"],
      ["AUTH", "reader", "wrong"],
      ["AUTH", "off", "off-pw"],
      ["AUTH", "nobody", "reader-pw"],
      ["HELLO", "3", "AUTH", "reader", "wrong"],
      ["AUTH", "reader", "reader-pw"],
      ["GET", "app:1"],
      ["GET", "other"],
      ["MGET", "app:1", "app:2", "other"],
      ["SET", "app:1", "v"],
      ["KEYS", "*"],
      ["CONFIG", "GET", "port"],
      ["FLUSHALL"],
      ["ACL", "WHOAMI"],
      ["AUTH", "reader", "wrong"],
      ["ACL", "WHOAMI"],
    ];
    const [fromProxy, fromRedis] = await both([proxy.port, reference.port], script);
    assert.deepEqual(fromProxy, fromRedis);
    // Not only equal: the replies the script is about.
    assert.deepEqual(fromProxy, [
      "-NOAUTH Authentication required.\r\n",
      WRONGPASS,
      WRONGPASS,
      WRONGPASS,
      WRONGPASS,
      "+OK\r\n",
      "$-1\r\n",
      NOPERM_KEY,
      NOPERM_KEY,
      noperm("set"),
      noperm("keys"),
      noperm("config|get"),
      noperm("flushall"),
      "$6\r\nreader\r\n",
      WRONGPASS,
      "$6\r\nreader\r\n",
    ]);
  },
);

integrationTest("a denied command inside MULTI aborts EXEC, as in redis-server", async () => {
  await using upstream = await RedisServer.start();
  await using reference = await referenceServer(USERS);
  await using proxy = await startAclProxy(upstream);
  await using seed = ioredisClient(upstream.port);
  await seed.set("app:1", "seeded");
  await using refSeed = ioredisClient(reference.port, { password: ADMIN_PASSWORD });
  await refSeed.set("app:1", "seeded");
  const script = [
    ["AUTH", "tx", "tx-pw"],
    ["MULTI"],
    ["SET", "app:1", "x"],
    ["GET", "other"],
    ["GET", "app:1"],
    ["EXEC"],
    ["MULTI"],
    ["GET", "app:1"],
    ["EXEC"],
  ];
  const [fromProxy, fromRedis] = await both([proxy.port, reference.port], script);
  assert.deepEqual(fromProxy, fromRedis);
  assert.deepEqual(fromProxy, [
    "+OK\r\n",
    "+OK\r\n",
    noperm("set"),
    NOPERM_KEY,
    "+QUEUED\r\n",
    "-EXECABORT Transaction discarded because of previous errors.\r\n",
    "+OK\r\n",
    "+QUEUED\r\n",
    "*1\r\n$6\r\nseeded\r\n",
  ]);
  assert.equal(await seed.get("app:1"), "seeded", "the denied SET never ran");
});

integrationTest("CLIENT LIST and CLIENT INFO name each client's user", async () => {
  await using upstream = await RedisServer.start();
  await using proxy = await startAclProxy(upstream);
  await using reader = await RawConnection.open(proxy.port);
  assert.deepEqual(await reader.call(["AUTH", "reader", "reader-pw"]), ["+OK\r\n"]);
  await using admin = ioredisClient(proxy.port, { password: ADMIN_PASSWORD });
  const list = String(await admin.call("CLIENT", "LIST"));
  assert.match(list, / user=reader /);
  assert.match(String(await admin.call("CLIENT", "INFO")), / user=default /);
  assert.equal(await admin.call("ACL", "WHOAMI"), "default");
  assert.equal(await admin.call("CLIENT", "KILL", "USER", "reader"), 1);
  await assert.rejects(reader.read(), /connection closed/);
});

/** One AUTH sent from `localAddress`, which the proxy counts failures by. */
function authFrom(localAddress: string, port: number, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress }, () => {
      socket.write(`AUTH reader ${password}\r\n`);
    });
    let reply = "";
    socket.on("data", (chunk: Uint8Array) => {
      reply += new TextDecoder().decode(chunk);
      if (reply.endsWith("\r\n")) {
        socket.end();
        resolve(reply);
      }
    });
    socket.on("error", reject);
  });
}

async function authFailures(proxy: RunningProxy): Promise<Record<string, number>> {
  const text = await proxy.metrics.registry.metrics();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^remiro_auth_failures_total\{reason="(\w+)"\} (\d+)$/gm)) {
    counts[match[1]] = Number(match[2]);
  }
  return counts;
}

integrationTest("failed AUTHs are counted and rate-limited per client address", async () => {
  await using upstream = await RedisServer.start();
  await using proxy = await startAclProxy(upstream, USERS, {
    authLimits: { limit: 3, windowMs: 60_000 },
  });
  assert.deepEqual(await authFailures(proxy), { wrongpass: 0, rate_limited: 0 });
  await using guesser = await RawConnection.open(proxy.port);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await guesser.call(["AUTH", "reader", `guess-${i}`]), [WRONGPASS]);
  }
  const limited = "-ERR too many failed AUTH attempts from this address, retry later\r\n";
  // The right password is not even checked now, from any connection of that address.
  assert.deepEqual(await guesser.call(["AUTH", "reader", "reader-pw"]), [limited]);
  await using another = await RawConnection.open(proxy.port);
  assert.deepEqual(await another.call(["HELLO", "3", "AUTH", "reader", "reader-pw"]), [limited]);
  assert.equal(await authFrom("127.0.0.1", proxy.port, "reader-pw"), limited);
  // Another address is not affected.
  assert.equal(await authFrom("127.0.0.2", proxy.port, "reader-pw"), "+OK\r\n");
  assert.equal(await authFrom("127.0.0.2", proxy.port, "wrong"), WRONGPASS);
  assert.deepEqual(await authFailures(proxy), { wrongpass: 4, rate_limited: 3 });
  const text = await proxy.metrics.registry.metrics();
  assert.ok(!/reader-pw|guess-|reader"/.test(text), "no user names or passwords in metrics");
});

integrationTest("a reload changes users at once for connected clients", async () => {
  await using upstream = await RedisServer.start();
  await using proxy = await startAclProxy(upstream);
  await using reader = await RawConnection.open(proxy.port);
  await using tx = await RawConnection.open(proxy.port);
  assert.deepEqual(await reader.call(["AUTH", "reader", "reader-pw"]), ["+OK\r\n"]);
  assert.deepEqual(await tx.call(["AUTH", "tx", "tx-pw"]), ["+OK\r\n"]);
  assert.deepEqual(await reader.call(["SET", "app:1", "v"]), [noperm("set")]);

  const writer = { ...USERS[0], commands: [...USERS[0].commands, "+set"], password: "new-pw" };
  const outcome = await proxy.reload(proxyConfig(upstream, [writer, USERS[2]]));
  assert.ok(outcome.changed.includes("Users"), String(outcome.changed));
  // The connected reader may write now, keys still limited; tx no longer exists: disconnected.
  assert.deepEqual(await reader.call(["SET", "app:1", "v"]), ["+OK\r\n"]);
  assert.deepEqual(await reader.call(["SET", "other", "v"]), [NOPERM_KEY]);
  await assert.rejects(tx.read(), /connection closed/);
  await using fresh = await RawConnection.open(proxy.port);
  assert.deepEqual(await fresh.call(["AUTH", "reader", "reader-pw"]), [WRONGPASS]);
  assert.deepEqual(await fresh.call(["AUTH", "reader", "new-pw"]), ["+OK\r\n"]);
  assert.deepEqual(await fresh.call(["AUTH", "tx", "tx-pw"]), [WRONGPASS]);

  // Disabled: no new logins, but connected clients keep working, as in Redis.
  await proxy.reload(proxyConfig(upstream, [{ ...writer, enabled: false }]));
  assert.deepEqual(await reader.call(["GET", "app:1"]), ["$1\r\nv\r\n"]);
  await using late = await RawConnection.open(proxy.port);
  assert.deepEqual(await late.call(["AUTH", "reader", "new-pw"]), [WRONGPASS]);
});

integrationTest(
  "SIGHUP reloads [[Users]] and warns about a config file others can read",
  async () => {
    await using upstream = await RedisServer.start();
    const config = (password: string) =>
      `Password = "${ADMIN_PASSWORD}"\n` +
      `[[Users]]\nName = "app"\nPassword = "${password}"\nCommands = ["+@read"]\nKeys = ["*"]\n` +
      `[Destination]\nAddr = "${upstream.addr}"\n`;
    await withConfigFile(config("first-pw"), async (path) => {
      await Deno.chmod(path, 0o644);
      await using remiro = await startRemiro(path);
      const warning = `config file ${path} holds secrets and is readable by others (mode 0644); ` +
        "chmod 600 it";
      await waitFor(() => remiro.stderr().includes(warning), { message: "no file mode warning" });
      await using client = await RawConnection.open(remiro.port);
      assert.deepEqual(await client.call(["AUTH", "app", "first-pw"]), ["+OK\r\n"]);
      assert.deepEqual(await client.call(["SET", "k", "v"]), [noperm("set")]);
      await Deno.writeTextFile(path, config("second-pw"));
      remiro.signal("SIGHUP");
      await waitFor(async () => {
        await using probe = await RawConnection.open(remiro.port);
        return (await probe.call(["AUTH", "app", "second-pw"]))[0] === "+OK\r\n";
      }, { message: "the new password never worked" });
      assert.ok(remiro.stderr().includes(`${warning} at=start`), remiro.stderr());
      await waitFor(() => remiro.stderr().includes(`${warning} at=reload`), {
        message: "no warning at reload",
      });
      const stderr = remiro.stderr();
      for (const secret of ["first-pw", "second-pw", ADMIN_PASSWORD]) {
        assert.ok(!stderr.includes(secret), `${secret} was logged`);
      }
    });
  },
);
