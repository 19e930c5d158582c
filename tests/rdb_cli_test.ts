import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { integrationTest } from "./_util/integration.ts";
import { fixtureKeys } from "./_util/rdb_files.ts";
import { serverLoading } from "./_util/rdb_files.ts";
import { runRemiro } from "./_util/remiro_cli.ts";
import { seededBytes } from "./_util/seeded_bytes.ts";
import { tempDir } from "./_util/temp_dir.ts";
import { buildRdb } from "../lib/rdb/mod.ts";

const text = (s: string) => new TextEncoder().encode(s);

const FIXTURE = new URL("./fixtures/rdb/redis-7.0.15.rdb", import.meta.url).pathname;

integrationTest(
  "remiro rdb info reports version, aux fields, keys per db and type, largest keys",
  async () => {
    const { code, stdout } = await runRemiro(["rdb", "info", FIXTURE]);
    assert.equal(code, 0);
    assert.match(stdout, /RDB version 10/);
    assert.match(stdout, /aux redis-ver = 7\.0\.15/);
    assert.match(stdout, /function libraries: 1/);
    assert.match(stdout, /db 0: 29 keys \(2 with expiry\)/);
    assert.match(stdout, /db 5: 2 keys/);
    assert.match(stdout, /total: 33 keys/);
    assert.match(stdout, /200005 {2}string {2}db 0 {2}str:large/);
  },
);

integrationTest("remiro rdb keys lists every key, filtered by glob or regex", async () => {
  const all = await runRemiro(["rdb", "keys", FIXTURE]);
  assert.equal(all.code, 0);
  const lines = all.stdout.trim().split("\n");
  assert.equal(lines.length, (await fixtureKeys("7.0.15")).length);
  assert.ok(lines.includes('0\tstring\t"\\x00\\xff\\x80\\x0a"'), "binary key quoted");
  const glob = await runRemiro(["rdb", "keys", FIXTURE, "--match", "set:int*"]);
  assert.deepEqual(glob.stdout.trim().split("\n").map((l) => l.split("\t")[2]).sort(), [
    "set:int16",
    "set:int32",
    "set:int64",
  ]);
  const regex = await runRemiro(["rdb", "keys", FIXTURE, "--regex", "^db[15]:"]);
  assert.equal(regex.stdout.trim().split("\n").length, 4);
});

integrationTest("remiro rdb json writes one parseable object per key", async () => {
  const { code, stdout } = await runRemiro([
    "rdb",
    "json",
    FIXTURE,
    "--regex",
    "^(zset:special|ttl:string|str:negative)$",
  ]);
  assert.equal(code, 0);
  const objects = stdout.trim().split("\n").map((line) => JSON.parse(line));
  const byKey = Object.fromEntries(objects.map((o) => [o.key, o]));
  assert.deepEqual(byKey["str:negative"].value, "-7");
  assert.equal(byKey["ttl:string"].expiresAt, 4102444800000);
  const scores = Object.fromEntries(byKey["zset:special"].value);
  assert.deepEqual(scores, { top: "inf", bottom: "-inf", tiny: 1e-300, huge: 1.5e300 });
});

integrationTest(
  "remiro rdb filter writes a file redis-server loads, holding only the kept keys",
  async () => {
    await using tmp = await tempDir();
    const dir = tmp.path;
    const out = `${dir}/out.rdb`;
    const run = await runRemiro([
      "rdb",
      "filter",
      "--regex",
      "^(list|set):",
      "--exclude",
      "int",
      FIXTURE,
      out,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /kept 6 of 33 keys/);
    await using server = await serverLoading(await Deno.readFile(out));
    const redis = new Redis({ port: server.port, host: "127.0.0.1" });
    try {
      assert.deepEqual((await redis.keys("*")).sort(), [
        "list:large",
        "list:plain",
        "list:small",
        "list:wide",
        "set:large",
        "set:small",
      ]);
      assert.equal(await redis.llen("list:large"), 2000);
    } finally {
      redis.disconnect();
    }
  },
);

integrationTest(
  "remiro rdb on a corrupt file exits 1 with the offset, and filter leaves no output",
  async () => {
    await using tmp = await tempDir();
    const dir = tmp.path;
    const cut = `${dir}/cut.rdb`;
    await Deno.writeFile(cut, (await Deno.readFile(FIXTURE)).subarray(0, 1000));
    const info = await runRemiro(["rdb", "info", cut]);
    assert.equal(info.code, 1);
    assert.match(info.stderr, /Cannot parse RDB: .* at offset \d+/);
    const filter = await runRemiro(["rdb", "filter", "--regex", ".", cut, `${dir}/out.rdb`]);
    assert.equal(filter.code, 1);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["cut.rdb"]);
    const usage = await runRemiro(["rdb", "filter", cut]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /IN and OUT/);
    const missing = await runRemiro(["rdb", "info", `${dir}/nope.rdb`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot open/);
  },
);

integrationTest(
  "remiro rdb info and json count a value too large to decode without decoding it",
  async () => {
    await using tmp = await tempDir();
    const dir = tmp.path;
    const path = `${dir}/big.rdb`;
    const value = seededBytes(20 * 2 ** 20, 3);
    await Deno.writeFile(
      path,
      buildRdb((w) => w.selectDb(0).value(text("huge"), { type: "string", value })),
    );
    const info = await runRemiro(["rdb", "info", path]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /db 0: 1 keys \(0 with expiry\): string 1/);
    assert.match(info.stdout, / 20971520 {2}string {2}db 0 {2}huge/);
    const json = JSON.parse((await runRemiro(["rdb", "json", path])).stdout);
    assert.deepEqual([json.key, json.value, json.notDecoded], ["huge", null, "20971520 bytes"]);
  },
);
