import assert from "node:assert/strict";
import { describe, type Failure, runCases } from "../fuzz/engine.ts";
import { loadTarget, TARGET_NAMES } from "../fuzz/targets.ts";

const FIXTURES = new URL("./fixtures/fuzz/", import.meta.url);
// Fixed, so a failure here is a failure on every run; `deno task fuzz` explores other seeds.
const SEED = 20261201;
const QUICK_CASES = { resp: 20_000, router: 20_000, rdb: 20_000 } as const;

async function savedInputs(target: string): Promise<{ name: string; input: Uint8Array }[]> {
  const dir = new URL(`${target}/`, FIXTURES);
  const out: { name: string; input: Uint8Array }[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".bin")) {
        out.push({ name: entry.name, input: await Deno.readFile(new URL(entry.name, dir)) });
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

for (const name of TARGET_NAMES) {
  Deno.test(`fuzz ${name}: inputs that once failed pass now`, async () => {
    const target = await loadTarget(name);
    for (const { name: file, input } of await savedInputs(name)) {
      try {
        await target.check(input);
      } catch (error) {
        assert.fail(`${name}/${file}: ${describe(error)}`);
      }
    }
  });

  Deno.test(`fuzz ${name}: ${QUICK_CASES[name]} cases of seed ${SEED} find nothing`, async () => {
    const failures: Failure[] = [];
    const stats = await runCases(await loadTarget(name), {
      seed: SEED,
      cases: QUICK_CASES[name],
      onFailure: (failure) => failures.push(failure),
    });
    const shown = failures.slice(0, 3).map((f) => `case ${f.index} ${f.kind}: ${f.message}`);
    assert.deepEqual(shown, []);
    assert.equal(stats.cases, QUICK_CASES[name]);
    assert.equal(stats.crashes + stats.hangs, 0);
  });
}

Deno.test("fuzz: the saved regression inputs are there", async () => {
  const names = (await Promise.all(TARGET_NAMES.map(savedInputs))).flat().map((s) => s.name);
  for (
    const expected of [
      "header-limit-depends-on-chunking.bin",
      "records-before-error-lost-async.bin",
      "zset-listpack-long-score.bin",
    ]
  ) {
    assert.ok(names.includes(expected), `${expected} is missing from tests/fixtures/fuzz`);
  }
});
