import assert from "node:assert/strict";
import { openHooks, webhookSink, xaddSink } from "../lib/hooks/mod.ts";
import { SyncClient } from "../lib/sync/mod.ts";
import { ioredisClient as client } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { replicator, uriOf } from "./_util/sync.ts";
import { tempDir } from "./_util/temp_dir.ts";
import { liveReplicationArgs, MAIN, runRemiro } from "./_util/remiro_cli.ts";
import { startMaster, startReplicaOf } from "./_util/reshard.ts";
import {
  assertDeliveredOnce,
  killAfterEvents,
  spawnPrinter,
  writeKeys,
} from "./_util/delivered_events.ts";
import { freePort } from "../lib/redis_process/mod.ts";

const SOURCE_ARGS = ["--repl-diskless-sync-delay", "0", "--notify-keyspace-events", "KEA"];

/** Writes of the kill -9 tests: enough to be cut in the middle of. */
const WRITES = 5000;

integrationTest(
  "hooks: onChange gets each event exactly once across a kill -9 (delivery log)",
  async () => {
    await using dir = await tempDir();
    const module = `${dir.path}/print_changes.ts`;
    await Deno.writeTextFile(
      module,
      `export function onChange(event: unknown) { console.log(JSON.stringify(event)); }`,
    );
    const log = `${dir.path}/delivered.json`;
    await using source = await RedisServer.start({
      args: [...SOURCE_ARGS, "--repl-backlog-size", "64mb"],
    });
    await using target = await RedisServer.start();
    await using redis = client(source.port);
    await redis.mset("before:1", "a", "before:2", "b");
    const spawn = () =>
      spawnPrinter(
        liveReplicationArgs(source, target, "--hooks", module, "--delivery-log", log),
      );
    const first = spawn();
    await waitFor(() => /snapshot of the source queued/.test(first.out.stderr), {
      timeoutMs: 15_000,
      message: "first snapshot",
    });
    await using writer = writeKeys(redis, "s:", WRITES);
    const { logged, printed: firstEvents } = await killAfterEvents(first, 500 + 2, log, "hook");
    const second = spawn();
    try {
      await waitFor(() => /continued replication from offset/.test(second.out.stderr), {
        timeoutMs: 15_000,
        message: "the restarted run continued",
      }).catch((error) => {
        throw new Error(`${error.message}\n${second.out.stderr}`);
      });
      await writer.done;
      const last = writer.written() - 1;
      await waitFor(() => second.events().some((e) => e.key === `s:${last}`), {
        message: "the last write's event delivered",
      });
    } finally {
      second.child.kill("SIGTERM");
      await second.child.status;
    }
    const kinds = assertDeliveredOnce(
      firstEvents,
      second.events(),
      logged,
      writer.written(),
      (i) => `s:${i}`,
    );
    assert.equal(kinds("set", "before:1"), 1, "snapshot events");
  },
);

integrationTest(
  "hooks: reshard --on-change stdout: each event once across a kill -9, the replica in step",
  async () => {
    await using dir = await tempDir();
    const module = `${dir.path}/rename.ts`;
    await Deno.writeTextFile(
      module,
      `export function transform(e: { keyText: string; key: unknown }) {
        e.key = "u:" + e.keyText.slice("user:".length);
        return e;
      }`,
    );
    const log = `${dir.path}/delivered.json`;
    const checkpoint = `${dir.path}/checkpoint.json`;
    await using master = await startMaster({ args: ["--repl-backlog-size", "64mb"] });
    await using redis = client(master.port);
    await redis.mset("user:before", "a", "other:before", "b");
    const proxyPort = freePort();
    const spawn = () =>
      spawnPrinter([
        ...["run", "--allow-all", MAIN, "reshard", "-v", "--master-port", `${master.port}`],
        ...["--proxy-port", `${proxyPort}`, "--checkpoint", checkpoint, "--hooks", module],
        ...["--delivery-log", log, "--on-change", "stdout", "^user:"],
      ]);
    const first = spawn();
    await waitFor(() => first.events().some((e) => e.key === "u:before"), {
      timeoutMs: 15_000,
      message: "snapshot event",
    }).catch((error) => {
      throw new Error(`${error.message}\n${first.out.stderr}`);
    });
    await using replica = await startReplicaOf(proxyPort);
    await using writer = writeKeys(redis, "user:", WRITES);
    await using o = client(master.port);
    await using others = writeKeys(o, "other:", WRITES);
    const { logged, printed: firstEvents } = await killAfterEvents(first, 500 + 1, log, "stdout");
    const second = spawn();
    await using r = client(replica.port);
    try {
      await waitFor(() => /resuming from checkpoint/.test(second.out.stderr), {
        timeoutMs: 15_000,
        message: "the restarted reshard resumed",
      }).catch((error) => {
        throw new Error(`${error.message}\n${second.out.stderr}`);
      });
      await writer.done;
      await others.done;
      await redis.set("user:last", "done");
      await waitFor(() => second.events().some((e) => e.key === "u:last"), {
        message: "the last write's event delivered",
      });
      await waitFor(async () => (await r.get("u:last")) === "done", {
        timeoutMs: 15_000,
        message: "the replica caught up through the restarted reshard",
      }).catch((error) => {
        throw new Error(`${error.message}\n${second.out.stderr}`);
      });
    } finally {
      second.child.kill("SIGTERM");
      await second.child.status;
    }
    const kinds = assertDeliveredOnce(
      firstEvents,
      second.events(),
      logged,
      writer.written(),
      (i) => `u:${i}`,
    );
    assert.equal(kinds("set", "u:before"), 1, "snapshot events");
    assert.ok([...firstEvents, ...second.events()].every((e) => e.key.startsWith("u:")));
    // The replica holds the master's user:* keys, renamed, and nothing else.
    const expected = new Map<string, string | null>();
    for (const key of await redis.keys("user:*")) {
      expected.set(`u:${key.slice("user:".length)}`, await redis.get(key));
    }
    const actual = new Map<string, string | null>();
    for (const key of await r.keys("*")) actual.set(key, await r.get(key));
    assert.deepEqual(actual, expected);
    assert.ok(await r.pttl("u:0") > 0, "a TTL set on the master reaches the replica");
  },
);

integrationTest(
  "hooks: built-in sinks: webhook (retried), XADD and stdout get every change",
  async () => {
    await using source = await RedisServer.start({ args: SOURCE_ARGS });
    await using target = await RedisServer.start();
    await using events = await RedisServer.start();
    await using redis = client(source.port);
    await redis.mset("a", "1", "b", "2");
    const posted: { kind: string; key: string }[] = [];
    let refused = 0;
    await using server = Deno.serve({ port: 0, onListen: () => {} }, async (request) => {
      if (refused++ === 0) return new Response("busy", { status: 503 });
      posted.push(...await request.json());
      return new Response("ok");
    });
    const logs: string[] = [];
    const link = await SyncClient.open(uriOf(events), { name: "events" });
    using hooks = await openHooks({
      sinks: [
        webhookSink(`http://127.0.0.1:${server.addr.port}/changes`, (line) => logs.push(line)),
        xaddSink(link, "changes", (line) => logs.push(line)),
      ],
    });
    const stop = Promise.withResolvers<void>();
    using run = await replicator(source, target, {
      mode: "live",
      liveSource: "replication",
      hooks,
    });
    const running = run.run(stop.promise);
    await waitFor(() => posted.length === 2, { message: "snapshot events posted" });
    await redis.del("a");
    await redis.expire("b", 100);
    await waitFor(() => posted.length === 4, { message: "live events posted" });
    stop.resolve();
    await running;
    const summary = (list: { kind: string; key: string }[]) =>
      list.map((e) => `${e.kind} ${e.key}`).sort();
    assert.deepEqual(summary(posted), ["delete a", "expire b", "set a", "set b"]);
    assert.ok(logs.some((line) => /webhook .*: HTTP 503; retrying/.test(line)));
    await using e = client(events.port);
    const entries = await e.xrange("changes", "-", "+");
    const fromStream = entries.map(([, fields]) => {
      const record = Object.fromEntries(
        fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i], fields[i + 1]]])),
      );
      return { kind: record.kind, key: record.key };
    });
    assert.deepEqual(summary(fromStream), summary(posted));
    assert.deepEqual(hooks.delivery!.counts, {
      webhook: { delivered: 4, skipped: 0 },
      xadd: { delivered: 4, skipped: 0 },
    });

    const cli = await runRemiro([
      "replicate",
      "--source",
      `redis://127.0.0.1:${source.port}`,
      "--target",
      `redis://127.0.0.1:${target.port}`,
      "--on-change",
      "stdout",
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const lines = cli.stdout.split("\n").filter((line) => line.startsWith("{"));
    assert.deepEqual(lines.map((line) => JSON.parse(line)), [
      {
        kind: "set",
        db: 0,
        key: "b",
        type: "string",
        expiresAt: JSON.parse(lines[0]).expiresAt,
        source: "snapshot",
      },
    ]);
  },
);
