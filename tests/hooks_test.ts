import assert from "node:assert/strict";
import { type ChangeEvent, openHooks } from "../lib/hooks/mod.ts";
import { localServerConfig, startProxy } from "../lib/cli/mod.ts";
import type { Config } from "../lib/config/mod.ts";
import { ioredisClient as client } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { replicator } from "./_util/sync.ts";
import { startMaster, startReplicaOf, startReshard } from "./_util/reshard.ts";
import { tempDir } from "./_util/temp_dir.ts";
import { runRemiro } from "./_util/remiro_cli.ts";

const RENAME = new URL("../examples/hooks_rename.ts", import.meta.url).pathname;
const FILTER_DELETED = new URL("../examples/hooks_filter_deleted.ts", import.meta.url).pathname;
const SOURCE_ARGS = ["--repl-diskless-sync-delay", "0", "--notify-keyspace-events", "KEA"];

type Redis = ReturnType<typeof client>;

/** Every key of a server with its type and value, for comparing key by key. */
async function contents(redis: Redis): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await redis.keys("*")) {
    if (key.startsWith("__remiro:")) continue;
    const type = await redis.type(key);
    const value = type === "string"
      ? await redis.get(key)
      : type === "hash"
      ? JSON.stringify(Object.entries(await redis.hgetall(key)).sort())
      : type === "list"
      ? JSON.stringify(await redis.lrange(key, 0, -1))
      : JSON.stringify((await redis.smembers(key)).sort());
    out.set(key, `${type}:${value}`);
  }
  return out;
}

/** The source's keys as the rename hook delivers them: `user:*` becomes `u:*`. */
function renamed(source: Map<string, string>): Map<string, string> {
  return new Map(
    [...source].map(([key, value]) => [key.replace(/^user:/, "u:"), value]),
  );
}

async function seed(redis: Redis, n: number): Promise<void> {
  const pipeline = redis.pipeline();
  for (let i = 0; i < n; i++) {
    pipeline.set(`user:${i}`, `v${i}`);
    pipeline.hset(`user:h${i}`, "name", `n${i}`, "deleted", String(i % 3 === 0 ? 1 : 0));
    pipeline.set(`other:${i}`, `o${i}`);
  }
  pipeline.rpush("user:list", "a", "b");
  await pipeline.exec();
}

/** Live writes that touch several keys per command, across the renamed prefix and not. */
async function liveWrites(redis: Redis): Promise<void> {
  await redis.mset("user:m1", "1", "other:m1", "2", "user:m2", "3");
  await redis.del("user:0", "other:0", "user:1");
  await redis.rename("user:2", "user:renamed2");
  await redis.incr("user:counter");
  await redis.incr("user:counter");
  await redis.hset("user:h1", "name", "changed");
  await redis.sadd("user:set", "x", "y");
  await redis.set("user:last", "done");
}

for (const mode of ["replication", "scan"] as const) {
  integrationTest(
    `hooks: a user:* → u:* rename through replicate (${mode}) key by key`,
    async () => {
      await using source = await RedisServer.start({ args: SOURCE_ARGS });
      await using target = await RedisServer.start();
      await using redis = client(source.port);
      await using t = client(target.port);
      await seed(redis, 200);
      using hooks = await openHooks({ hooks: { module: RENAME } });
      const stop = Promise.withResolvers<void>();
      using run = await replicator(source, target, {
        mode: "live",
        liveSource: mode === "scan" ? "notifications" : "replication",
        hooks,
      });
      const running = run.run(stop.promise);
      await waitFor(async () => (await t.dbsize()) >= 601, { message: "snapshot copied" });
      await liveWrites(redis);
      await waitFor(async () => (await t.get("u:last")) === "done", { message: "live writes" });
      await waitFor(async () => (await t.exists("u:0", "u:1", "u:2")) === 0, {
        message: "deletes and the rename applied",
      });
      stop.resolve();
      await running;
      const expected = renamed(await contents(redis));
      assert.deepEqual(await contents(t), expected);
      assert.equal(await t.exists("user:5"), 0, "no key kept its old name");
      assert.ok(hooks.runner!.counts.entries.ok > 600);
    },
  );
}

integrationTest("hooks: a value filter drops hashes with deleted=1 (SCAN and RDB)", async () => {
  for (const snapshotVia of ["scan", "replication"] as const) {
    await using source = await RedisServer.start({ args: SOURCE_ARGS });
    await using target = await RedisServer.start();
    await using redis = client(source.port);
    await using t = client(target.port);
    await seed(redis, 90);
    using hooks = await openHooks({ hooks: { module: FILTER_DELETED } });
    using run = await replicator(source, target, { snapshotVia, hooks });
    await run.run(new Promise(() => {}));
    const expected = new Map(
      [...await contents(redis)].filter(([, value]) => !value.includes('["deleted","1"]')),
    );
    assert.equal(expected.size, 90 * 3 + 1 - 30);
    assert.deepEqual(await contents(t), expected, snapshotVia);
    assert.equal(hooks.runner!.counts.entries.dropped, 30);
  }
});

integrationTest(
  "hooks: a hook that throws and one that loops forever do not stop replication",
  async () => {
    await using dir = await tempDir();
    const module = `${dir.path}/bad_hooks.ts`;
    await Deno.writeTextFile(
      module,
      `export function transform(entry: { keyText: string }) {
      if (entry.keyText === "throws") throw new Error("bad value");
      if (entry.keyText === "loops") while (true) { /* a bug */ }
      return entry;
    }`,
    );
    await using source = await RedisServer.start({ args: SOURCE_ARGS });
    await using target = await RedisServer.start();
    await using redis = client(source.port);
    await using t = client(target.port);
    await redis.mset("a", "1", "throws", "2", "b", "3");
    const logs: string[] = [];
    using hooks = await openHooks({
      hooks: { module, timeoutMs: 300, log: (line) => logs.push(line) },
    });
    const stop = Promise.withResolvers<void>();
    using run = await replicator(source, target, {
      mode: "live",
      liveSource: "replication",
      hooks,
    });
    const running = run.run(stop.promise);
    await waitFor(async () => (await t.get("b")) === "3", { message: "snapshot" });
    await redis.set("loops", "x");
    await redis.set("after", "y");
    await redis.set("throws", "again");
    await redis.set("last", "z");
    await waitFor(async () => (await t.get("last")) === "z", {
      timeoutMs: 10_000,
      message: "replication went on past the failing hooks",
    });
    stop.resolve();
    await running;
    assert.equal(await t.get("after"), "y");
    assert.equal(await t.exists("throws", "loops"), 0, "failed entries are skipped");
    const { counts } = hooks.runner!;
    assert.equal(counts.entries.error, 2);
    assert.equal(counts.entries.timeout, 1);
    assert.ok(logs.some((line) => /hook on throws \(db 0\): bad value; entry skipped/.test(line)));
    assert.ok(logs.some((line) => /hook on loops \(db 0\): timed out; entry skipped/.test(line)));
  },
);

integrationTest(
  "hooks: reshard splits user:* → u:* with renames in snapshot and stream",
  async () => {
    await using master = await startMaster();
    await using redis = client(master.port);
    await seed(redis, 200);
    const events: ChangeEvent[] = [];
    using hooks = await openHooks({
      hooks: { module: RENAME },
      sinks: [{ name: "test", deliver: (batch) => Promise.resolve(void events.push(...batch)) }],
    });
    // Two parts: the renamed users, and everything else unchanged.
    await using users = await startReshard(master, { include: /^user:/, hooks });
    await using others = await startReshard(master, { exclude: /^user:/ });
    await using usersReplica = await startReplicaOf(users.port);
    await using othersReplica = await startReplicaOf(others.port);
    await using u = client(usersReplica.port);
    await using o = client(othersReplica.port);
    await liveWrites(redis);
    await waitFor(async () => (await u.get("u:last")) === "done", { message: "users stream" });
    await waitFor(async () => (await o.get("other:m1")) === "2", { message: "others stream" });
    const source = await contents(redis);
    const expectUsers = renamed(new Map([...source].filter(([key]) => key.startsWith("user:"))));
    const expectOthers = new Map([...source].filter(([key]) => !key.startsWith("user:")));
    await waitFor(async () => (await u.exists("u:0", "u:1", "u:2")) === 0, {
      message: "deletes and the rename applied",
    });
    assert.deepEqual(await contents(u), expectUsers);
    assert.deepEqual(await contents(o), expectOthers);
    assert.ok(hooks.runner!.counts.entries.ok >= 401, "the snapshot's users went through the hook");
    const snapshotKeys = events.filter((e) => e.source === "snapshot").map((e) => e.key);
    assert.equal(snapshotKeys.length, 401);
    assert.ok(snapshotKeys.every((key) => key.startsWith("u:")));
    const live = events.filter((e) => e.source === "stream").map((e) => `${e.kind} ${e.key}`);
    assert.deepEqual(live.slice(0, 5), [
      "set u:m1",
      "set u:m2",
      "delete u:0",
      "delete u:1",
      "delete u:2",
    ]);
    assert.equal(live.at(-1), "set u:last");
  },
);

integrationTest("hooks: bad options and modules are usage errors", async () => {
  await using dir = await tempDir();
  const broken = `${dir.path}/broken.ts`;
  await Deno.writeTextFile(broken, "export const filter = 42;");
  const base = ["replicate", "--source", "redis://127.0.0.1:1", "--target", "redis://127.0.0.1:1"];
  const cases: [string[], RegExp][] = [
    [
      ["--hooks", broken],
      /--hooks: Cannot load hooks .*broken\.ts: the export "filter" is not a function/,
    ],
    [["--hooks", `${dir.path}/missing.ts`], /--hooks: Cannot load hooks/],
    [["--on-change", "carrier-pigeon"], /--on-change: "carrier-pigeon" is not stdout/],
    [
      ["--hooks", RENAME, "--on-hook-error", "pray"],
      /--on-hook-error: "pray" is not skip, retry or stop/,
    ],
    [["--delivery-log", `${dir.path}/log.json`], /--delivery-log needs --hooks/],
  ];
  for (const [args, error] of cases) {
    const result = await runRemiro([...base, ...args]);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, error);
  }
});

integrationTest(
  "hooks: the proxy's copy on read skips filtered keys; transform is refused",
  async () => {
    await using source = await RedisServer.start();
    await using destination = await RedisServer.start();
    await using s = client(source.port);
    await s.hset("live", "name", "a", "deleted", "0");
    await s.hset("gone", "name", "b", "deleted", "1");
    const config: Config = {
      deleteOnGet: false,
      deleteOnSet: false,
      source: localServerConfig(source),
      destination: localServerConfig(destination),
      hooks: {
        module: FILTER_DELETED,
        allowNet: [],
        allowRead: [],
        allowEnv: false,
        timeoutMs: 1000,
        onChange: [],
      },
    };
    // The file, reloaded, no longer names the hooks.
    const reloaded: Config = { ...config, hooks: undefined };
    const proxy = startProxy(config, {
      host: "127.0.0.1",
      port: 0,
      loadConfig: () => Promise.resolve(reloaded),
    });
    try {
      await using c = client(proxy.port);
      assert.deepEqual(await c.hgetall("live"), { name: "a", deleted: "0" });
      assert.deepEqual(await c.hgetall("gone"), {}, "a filtered key reads as absent");
      await using d = client(destination.port);
      assert.equal(await d.exists("live"), 1);
      assert.equal(await d.exists("gone"), 0, "and is not copied");
      assert.equal(await s.exists("gone"), 1, "the source keeps it");
      // Hooks run in a worker started with the proxy: a reload says so rather than ignore them.
      assert.deepEqual(await proxy.reloadFromFile(), { changed: [], needRestart: ["Hooks"] });
      assert.deepEqual(await c.hgetall("gone"), {}, "the hooks loaded at start stay in use");
    } finally {
      await proxy.shutdown();
    }
    const renaming = startProxy({ ...config, hooks: { ...config.hooks!, module: RENAME } }, {
      host: "127.0.0.1",
      port: 0,
    });
    try {
      await using c = client(renaming.port);
      await s.set("fresh", "only on the source");
      await assert.rejects(
        c.get("fresh"),
        /hooks did not load: the proxy runs filter and onChange/,
      );
    } finally {
      await renaming.shutdown();
    }
  },
);
