import assert from "node:assert/strict";
import { decodeDump, encodeDump, RdbEntry } from "../rdb/mod.ts";
import { HookFailedError, HookLoadError } from "./hook_errors.ts";
import { HookRunner, UNCHANGED } from "./hook_runner.ts";
import type { HookOptions } from "./hook_types.ts";
import { packEntries, type WireEntry } from "./wire.ts";

const text = (s: string) => new TextEncoder().encode(s);
/** The RDB encoding of a short string value: its length, then the bytes. */
const stringPayload = (s: string) => new Uint8Array([s.length, ...text(s)]);

async function withModule(
  code: string,
  options: Partial<HookOptions>,
  body: (runner: HookRunner) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "remiro-hooks-" });
  const module = `${dir}/hooks.ts`;
  await Deno.writeTextFile(module, code);
  const runner = await HookRunner.start({ module, ...options });
  try {
    await body(runner);
  } finally {
    runner.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const entry = (key: string, value = "v"): WireEntry => ({
  db: 0,
  key: text(key),
  type: 0,
  payload: stringPayload(value),
  source: "snapshot",
});

Deno.test("HookRunner: filter, rename and a rewritten value come back in order", async () => {
  const code = `
    export const filter = (e) => !e.keyText.startsWith("skip");
    export async function transform(e) {
      if (e.keyText === "upper") e.value = { type: "string", value: new TextEncoder().encode("V") };
      if (e.keyText.startsWith("user:")) return { ...e, key: "u:" + e.keyText.slice(5) };
      return e;
    }`;
  await withModule(code, {}, async (runner) => {
    const input = [entry("user:1"), entry("skip:me"), entry("upper"), entry("same")];
    const [renamed, skipped, upper, same] = await runner.entries(input, 10);
    assert.equal(new TextDecoder().decode(renamed!.key), "u:1");
    assert.deepEqual(renamed!.payload, input[0].payload, "a rename keeps the value's bytes");
    assert.equal(skipped, null);
    const value = new RdbEntry(0, upper!.key, upper!.type!, upper!.payload!, 0, upper!.payload!);
    assert.deepEqual(value.decode(), { type: "string", value: text("V") });
    assert.equal(same, input[3], "an unchanged entry is the host's own object");
    assert.deepEqual(runner.counts.entries, { ok: 3, dropped: 1, error: 0, timeout: 0 });
    // A DUMP round trip through a changed value stays valid.
    assert.equal(
      decodeDump(encodeDump(upper as { type: number; payload: Uint8Array }, 10)).type,
      0,
    );
  });
});

Deno.test("HookRunner: hooks run without permissions unless granted", async () => {
  const code = `
    export function filter(e) {
      if (e.keyText === "env") Deno.env.get("HOME");
      if (e.keyText === "read") Deno.readTextFileSync("/etc/hostname");
      if (e.keyText === "write") Deno.writeTextFileSync("/tmp/remiro-hook-escape", "x");
      return true;
    }`;
  const logs: string[] = [];
  await withModule(code, { log: (line) => logs.push(line) }, async (runner) => {
    const out = await runner.entries(
      [entry("env"), entry("read"), entry("write"), entry("ok")],
      10,
    );
    assert.deepEqual(out.map((e) => e === null), [true, true, true, false]);
    assert.equal(runner.counts.entries.error, 3);
    assert.ok(logs.some((line) => /hook on env \(db 0\): .*env/i.test(line)), logs.join("\n"));
  });
  await withModule(code, { allowEnv: true, allowRead: ["/etc/hostname"] }, async (runner) => {
    const out = await runner.entries([entry("env"), entry("read"), entry("write")], 10);
    assert.deepEqual(out.map((e) => e === null), [false, false, true]);
  });
});

Deno.test("HookRunner: a hook that loops is timed out, the worker restarted, the rest kept", async () => {
  const code = `export function filter(e) { while (e.keyText === "loop") {} return true; }`;
  await withModule(code, { timeoutMs: 200 }, async (runner) => {
    const out = await runner.entries([entry("a"), entry("loop"), entry("b")], 10);
    assert.deepEqual(out.map((e) => e && new TextDecoder().decode(e.key)), ["a", null, "b"]);
    assert.equal(runner.counts.entries.timeout, 1);
    // The new worker answers.
    assert.notEqual((await runner.entries([entry("c")], 10))[0], null);
  });
});

Deno.test("HookRunner: batches posted ahead keep their order when one of them loops", async () => {
  const code = `export function transform(e) {
    while (e.keyText === "loop") {}
    return e.keyText === "x" ? { ...e, key: "y" } : e;
  }`;
  await withModule(code, { timeoutMs: 200 }, async (runner) => {
    const batches = [["a", "x"], ["loop", "b"], ["c"]].map((keys) =>
      packEntries(keys.map((key) => entry(key)))
    );
    const events = runner.events([]);
    const decided = await Promise.all(batches.map((batch) => runner.decide(batch, 10)));
    await events;
    const keys = decided.map((batch) =>
      batch.map((d) => (d === UNCHANGED ? "=" : d && new TextDecoder().decode(d.key)))
    );
    assert.deepEqual(keys, [["=", "y"], [null, "="], ["="]]);
    assert.deepEqual(runner.counts.entries, { ok: 4, dropped: 0, error: 0, timeout: 1 });
  });
});

Deno.test("HookRunner: policies stop, retry and pass", async () => {
  const code = `let calls = 0;
    export function filter(e) { if (e.keyText === "flaky" && calls++ < 2) throw new Error("not yet"); if (e.keyText === "bad") throw new Error("never"); return true; }`;
  await withModule(code, { onError: "stop" }, async (runner) => {
    await assert.rejects(runner.entries([entry("bad")], 10), HookFailedError);
  });
  await withModule(code, { onError: "retry" }, async (runner) => {
    assert.notEqual((await runner.entries([entry("flaky")], 10))[0], null);
    await assert.rejects(runner.entries([entry("bad")], 10), /gave up after 3 retries/);
  });
  await withModule(code, { onError: "pass" }, async (runner) => {
    const input = entry("bad");
    assert.equal((await runner.entries([input], 10))[0], input);
  });
});

Deno.test("HookRunner: a module that does not load is a HookLoadError", async () => {
  await assert.rejects(
    HookRunner.start({ module: "/nonexistent/hooks.ts" }),
    (error) =>
      error instanceof HookLoadError &&
      /Cannot load hooks \/nonexistent\/hooks\.ts/.test(error.message),
  );
  await assert.rejects(
    withModule("export const transform = 1;", {}, () => Promise.resolve()),
    /the export "transform" is not a function/,
  );
});
