import assert from "node:assert/strict";
import { openHooks, webhookSink, xaddSink } from "../lib/hooks/mod.ts";
import { SyncClient } from "../lib/sync/mod.ts";
import { ioredisClient as client } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { replicator, uriOf } from "./_util/sync.ts";
import { tempDir } from "./_util/temp_dir.ts";
import { liveReplicationArgs, runRemiro } from "./_util/remiro_cli.ts";

const SOURCE_ARGS = ["--repl-diskless-sync-delay", "0", "--notify-keyspace-events", "KEA"];

/** An event as the test's hook prints it. */
interface Event {
  kind: string;
  key: string;
  source: string;
  offset: number;
  index: number;
}

/** Writes of the kill -9 test: enough to be cut in the middle of. */
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
    const spawn = () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: liveReplicationArgs(source, target, "--hooks", module, "--delivery-log", log),
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const out = { stderr: "" };
      child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({ write: (chunk) => void (out.stderr += chunk) }),
      ).catch(() => {});
      // Parsed as they arrive: events are many, and re-reading all of them per poll is slow.
      const parsed: Event[] = [];
      let rest = "";
      child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({
          write: (chunk) => {
            const lines = (rest + chunk).split("\n");
            rest = lines.pop()!;
            for (const line of lines) if (line.startsWith("{")) parsed.push(JSON.parse(line));
          },
        }),
      ).catch(() => {});
      return { child, out, events: () => parsed };
    };
    const first = spawn();
    await waitFor(() => /snapshot of the source queued/.test(first.out.stderr), {
      timeoutMs: 15_000,
      message: "first snapshot",
    });
    let running = true;
    let n = 0;
    const writer = (async () => {
      while (running && n < WRITES) {
        await redis.set(`s:${n}`, n);
        if (n % 5 === 0) await redis.expire(`s:${n}`, 1000);
        if (n % 7 === 0) await redis.del(`s:${n - 1}`);
        n++;
      }
    })();
    await using _stop = {
      [Symbol.asyncDispose]: async () => {
        running = false;
        await writer.catch(() => {});
      },
    };
    await waitFor(() => first.events().length > 500 + 2, {
      timeoutMs: 15_000,
      message: "stream events flowing",
    }).catch((error) => {
      throw new Error(`${error.message}\n${first.out.stderr}`);
    });
    first.child.kill("SIGKILL");
    await first.child.status;
    const logged = JSON.parse(await Deno.readTextFile(log)).sinks.hook;
    const firstEvents = first.events();
    const second = spawn();
    try {
      await waitFor(() => /continued replication from offset/.test(second.out.stderr), {
        timeoutMs: 15_000,
        message: "the restarted run continued",
      }).catch((error) => {
        throw new Error(`${error.message}\n${second.out.stderr}`);
      });
      await writer;
      const last = n - 1;
      await waitFor(() => second.events().some((e) => e.key === `s:${last}`), {
        message: "the last write's event delivered",
      });
    } finally {
      second.child.kill("SIGTERM");
      await second.child.status;
    }
    const atOrBefore = (e: { offset: number; index: number }) =>
      e.offset < logged.offset || (e.offset === logged.offset && e.index <= logged.index);
    const secondEvents = second.events();
    assert.equal(secondEvents.filter(atOrBefore).length, 0, "nothing logged is delivered again");
    // What the first run delivered after its last logged position is the one batch that was
    // acknowledged but not yet logged when it was killed: the only events delivered twice.
    const unlogged = new Set(
      firstEvents.filter((e) => !atOrBefore(e)).map((e) => JSON.stringify(e)),
    );
    assert.ok(unlogged.size <= 500, `${unlogged.size} events after the logged position`);
    const seen = new Map<string, number>();
    for (const event of [...firstEvents, ...secondEvents]) {
      const id = JSON.stringify(event);
      seen.set(id, (seen.get(id) ?? 0) + (unlogged.has(id) ? 0.5 : 1));
    }
    for (const [id, count] of seen) assert.equal(count, 1, `${id} delivered ${count} times`);
    // How many distinct events there were of each kind for each key.
    const byKey = new Map<string, number>();
    for (const id of seen.keys()) {
      const event = JSON.parse(id);
      const name = `${event.kind} ${event.key}`;
      byKey.set(name, (byKey.get(name) ?? 0) + 1);
    }
    const kinds = (kind: string, key: string) => byKey.get(`${kind} ${key}`) ?? 0;
    for (let i = 0; i < n; i++) {
      assert.equal(kinds("set", `s:${i}`), 1, `set s:${i}`);
      if (i % 5 === 0) assert.equal(kinds("expire", `s:${i}`), 1, `expire s:${i}`);
      if (i % 7 === 0 && i > 0) assert.equal(kinds("delete", `s:${i - 1}`), 1, `delete s:${i - 1}`);
    }
    assert.equal(kinds("set", "before:1"), 1, "snapshot events");
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
