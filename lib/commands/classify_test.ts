import assert from "node:assert/strict";
import { planCommand } from "./classify.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function plan(command: string) {
  const p = planCommand(command.split(" ").map((a) => enc.encode(a)));
  return {
    kind: p.kind,
    readonly: p.readonly,
    keys: p.keys.map((k) => `${dec.decode(k.key)}:${k.action}${k.retiresSource ? "+retire" : ""}`),
  };
}

Deno.test("planCommand: reads and read-modify-writes copy their keys", () => {
  assert.deepEqual(plan("GET k"), { kind: "keyed", readonly: true, keys: ["k:copy"] });
  assert.deepEqual(plan("MGET a b").keys, ["a:copy", "b:copy"]);
  for (const command of ["INCR k", "HSET k f v", "LPUSH k v", "APPEND k v", "SETRANGE k 0 v"]) {
    assert.deepEqual(plan(command), { kind: "keyed", readonly: false, keys: ["k:copy"] }, command);
  }
  assert.deepEqual(
    plan("MSETNX a 1 b 2").keys,
    ["a:copy", "b:copy"],
    "OW+insert depends on existence",
  );
  assert.deepEqual(plan("XREAD STREAMS s 0").keys, ["s:copy"]);
  assert.deepEqual(plan("EVAL x 2 a b").keys, ["a:copy", "b:copy"]);
});

Deno.test("planCommand: whole-value writes overwrite without copying", () => {
  assert.deepEqual(plan("SET k v").keys, ["k:overwrite"]);
  assert.deepEqual(plan("set k v px 10").keys, ["k:overwrite+retire"]);
  assert.deepEqual(plan("SET k v EX nx").keys, ["k:overwrite+retire"], "the EX value is skipped");
  assert.deepEqual(plan("MSET a 1 b 2").keys, ["a:overwrite", "b:overwrite"]);
  assert.deepEqual(plan("SETEX k 10 v").keys, ["k:overwrite+retire"]);
  assert.deepEqual(plan("PSETEX k 10 v").keys, ["k:overwrite+retire"]);
  assert.deepEqual(plan("SUNIONSTORE d a b").keys, ["d:overwrite", "a:copy", "b:copy"]);
  assert.deepEqual(plan("SORT k STORE d").keys, ["k:copy", "d:overwrite"]);
});

Deno.test("planCommand: SET options that look at the old value make it a copy", () => {
  for (const option of ["NX", "xx", "GET", "KEEPTTL"]) {
    assert.deepEqual(plan(`SET k v ${option}`).keys, ["k:copy"], option);
  }
});

Deno.test("planCommand: COPY and RESTORE without REPLACE depend on the existing key", () => {
  assert.deepEqual(plan("COPY a b").keys, ["a:copy", "b:copy+retire"]);
  assert.deepEqual(plan("COPY a b REPLACE").keys, ["a:copy", "b:overwrite+retire"]);
  assert.deepEqual(plan("RESTORE k 0 payload").keys, ["k:copy"]);
  assert.deepEqual(plan("RESTORE k 0 payload REPLACE").keys, ["k:overwrite"]);
  assert.deepEqual(plan("RESTORE k 100 payload REPLACE").keys, ["k:overwrite+retire"]);
});

Deno.test("planCommand: commands that delete or expire keys retire the source copy", () => {
  assert.deepEqual(plan("GETDEL k").keys, ["k:copy+retire"]);
  assert.deepEqual(plan("LPOP k").keys, ["k:copy+retire"]);
  assert.deepEqual(plan("EXPIRE k 10").keys, ["k:copy+retire"]);
  assert.deepEqual(plan("PEXPIREAT k 10").keys, ["k:copy+retire"]);
  assert.deepEqual(plan("GETEX k").keys, ["k:copy"]);
  assert.deepEqual(plan("GETEX k EX 5").keys, ["k:copy+retire"]);
  assert.deepEqual(plan("RENAME a b").keys, ["a:copy+retire", "b:overwrite+retire"]);
  assert.deepEqual(plan("RENAMENX a b").keys, ["a:copy+retire", "b:copy+retire"]);
  assert.deepEqual(plan("PERSIST k").keys, ["k:copy"]);
});

Deno.test("planCommand: DEL/UNLINK, keyless and unknown commands", () => {
  assert.deepEqual(plan("DEL a b"), {
    kind: "delete",
    readonly: false,
    keys: ["a:overwrite+retire", "b:overwrite+retire"],
  });
  assert.equal(plan("unlink a").kind, "delete");
  assert.deepEqual(plan("PING"), { kind: "keyless", readonly: false, keys: [] });
  assert.deepEqual(plan("DBSIZE"), { kind: "keyless", readonly: true, keys: [] });
  assert.deepEqual(plan("NOSUCHCMD a b"), { kind: "keyless", readonly: false, keys: [] });
  assert.deepEqual(plan("EVAL x 0"), { kind: "keyless", readonly: false, keys: [] });
});
