import assert from "node:assert/strict";
import { type CommandPlan, planCommand } from "./classify.ts";
import { lookupCommand } from "./command_table.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const args = (command: string) => command.split(" ").map((a) => enc.encode(a));

/** A plan in short: kind, readonly, and "key:action" with "+retire" when it retires the source. */
function summary(plan: CommandPlan): string {
  const keys = plan.keys.map((k) =>
    `${dec.decode(k.key)}:${k.action}${k.retiresSource ? "+retire" : ""}`
  );
  return [plan.kind, plan.readonly ? "ro" : "rw", ...keys].join(" ");
}

const plan = (command: string) => summary(planCommand(args(command)));

function check(cases: readonly (readonly [string, string])[]): void {
  for (const [command, expected] of cases) assert.equal(plan(command), expected, command);
}

Deno.test("reads copy their keys first", () => {
  check([
    ["GET k", "keyed ro k:copy"],
    ["MGET a b", "keyed ro a:copy b:copy"],
    ["HGETALL h", "keyed ro h:copy"],
    ["OBJECT ENCODING k", "keyed ro k:copy"],
    ["XREAD STREAMS s 0", "keyed ro s:copy"],
    ["XREAD COUNT 1 STREAMS a b 0 0", "keyed ro a:copy b:copy"],
    ["XREADGROUP GROUP g c STREAMS s >", "keyed rw s:copy"],
    ["SORT_RO k", "keyed ro k:copy"],
    ["EVAL_RO s 1 k", "keyed ro k:copy"],
  ]);
});

Deno.test("read-modify-writes copy their keys first", () => {
  check([
    ["INCR k", "keyed rw k:copy"],
    ["HSET k f v", "keyed rw k:copy"],
    ["LPUSH k v", "keyed rw k:copy"],
    ["APPEND k v", "keyed rw k:copy"],
    ["SETRANGE k 0 v", "keyed rw k:copy"],
    ["GETSET k v", "keyed rw k:copy"],
    ["PERSIST k", "keyed rw k:copy"],
    ["EVAL s 2 a b x", "keyed rw a:copy b:copy"],
    ["FCALL f 1 k", "keyed rw k:copy"],
    ["SORT k", "keyed rw k:copy"],
  ]);
});

// Store commands delete their destination when the result is empty, so its source copy retires.
Deno.test("whole-value writes (OW + update) overwrite without copying", () => {
  check([
    ["MSET a 1 b 2", "keyed rw a:overwrite b:overwrite"],
    ["SETEX k 10 v", "keyed rw k:overwrite+retire"],
    ["PSETEX k 10 v", "keyed rw k:overwrite+retire"],
    ["SUNIONSTORE d a b", "keyed rw d:overwrite+retire a:copy b:copy"],
    ["SINTERSTORE d a b", "keyed rw d:copy+retire a:copy b:copy"],
    ["ZUNIONSTORE d 2 a b", "keyed rw d:overwrite+retire a:copy b:copy"],
    ["BITOP AND d a b", "keyed rw d:overwrite+retire a:copy b:copy"],
    ["SORT k BY w STORE d", "keyed rw k:copy d:overwrite+retire"],
    ["GEORADIUS g 0 0 1 km STORE d", "keyed rw g:copy d:overwrite+retire"],
  ]);
});

Deno.test("writes that depend on the key existing (OW + insert) copy", () => {
  check([
    ["MSETNX a 1 b 2", "keyed rw a:copy b:copy"],
    ["SETNX k v", "keyed rw k:copy"],
  ]);
});

Deno.test("SET overwrites unless an option looks at the old value", () => {
  check([
    ["SET k v", "keyed rw k:overwrite"],
    ["SET k nx", "keyed rw k:overwrite"], // "nx" is the value here, not an option
    ["SET k v NX", "keyed rw k:copy"],
    ["SET k v xx", "keyed rw k:copy"],
    ["SET k v Get", "keyed rw k:copy"],
    ["SET k v KEEPTTL", "keyed rw k:copy"],
    ["SET k v IFEQ old", "keyed rw k:copy"],
    ["SET k v EX 10", "keyed rw k:overwrite+retire"],
    ["set k v px 10", "keyed rw k:overwrite+retire"],
    ["SET k v EXAT 10", "keyed rw k:overwrite+retire"],
    ["SET k v PXAT 10", "keyed rw k:overwrite+retire"],
    ["SET k v EX nx", "keyed rw k:overwrite+retire"], // the EX value is skipped
    ["SET k v EX keepttl GET", "keyed rw k:copy+retire"],
    ["SET k v NX EX 10", "keyed rw k:copy+retire"],
  ]);
});

Deno.test("COPY and RESTORE without REPLACE depend on the existing key", () => {
  check([
    ["COPY a b", "keyed rw a:copy b:copy+retire"],
    ["COPY a b REPLACE", "keyed rw a:copy b:overwrite+retire"],
    ["copy a b db 0 replace", "keyed rw a:copy b:overwrite+retire"],
    ["RESTORE k 0 payload", "keyed rw k:copy"],
    ["RESTORE k 0 payload REPLACE", "keyed rw k:overwrite"],
    ["restore k 0 payload replace absttl", "keyed rw k:overwrite"],
    ["RESTORE k 100 payload", "keyed rw k:copy+retire"],
    ["RESTORE k 100 payload REPLACE", "keyed rw k:overwrite+retire"],
  ]);
});

Deno.test("commands that may delete the key retire the source copy", () => {
  check([
    ["GETDEL k", "keyed rw k:copy+retire"],
    ["LPOP k", "keyed rw k:copy+retire"],
    ["SPOP k", "keyed rw k:copy+retire"],
    ["ZPOPMIN k", "keyed rw k:copy+retire"],
    ["HDEL k f", "keyed rw k:copy+retire"],
    ["BLPOP a b 0", "keyed rw a:copy+retire b:copy+retire"],
    ["LMPOP 1 k LEFT", "keyed rw k:copy+retire"],
    ["LMOVE a b LEFT RIGHT", "keyed rw a:copy+retire b:copy"],
    ["SMOVE a b m", "keyed rw a:copy+retire b:copy"],
    ["MIGRATE h 6379 k 0 1000", "keyed rw k:copy+retire"],
  ]);
});

Deno.test("commands that may give the key an expiry retire the source copy", () => {
  check([
    ["EXPIRE k 10", "keyed rw k:copy+retire"],
    ["PEXPIRE k 10", "keyed rw k:copy+retire"],
    ["EXPIREAT k 10", "keyed rw k:copy+retire"],
    ["PEXPIREAT k 10 NX", "keyed rw k:copy+retire"],
    ["GETEX k", "keyed rw k:copy"],
    ["GETEX k PERSIST", "keyed rw k:copy"],
    ["GETEX k EX 5", "keyed rw k:copy+retire"],
    ["getex k pxat 5", "keyed rw k:copy+retire"],
    // The destination key takes over the source key's TTL.
    ["RENAME a b", "keyed rw a:copy+retire b:overwrite+retire"],
    ["RENAMENX a b", "keyed rw a:copy+retire b:copy+retire"],
    ["MOVE k 1", "keyed rw k:copy+retire"],
  ]);
});

Deno.test("DEL and UNLINK are deletes", () => {
  check([
    ["DEL a b", "delete rw a:overwrite+retire b:overwrite+retire"],
    ["UNLINK a", "delete rw a:overwrite+retire"],
    ["del k", "delete rw k:overwrite+retire"],
    ["DEL", "keyless rw"], // no key to delete: Redis answers the arity error
  ]);
});

Deno.test("keyless and unknown commands", () => {
  check([
    ["PING", "keyless rw"],
    ["DBSIZE", "keyless ro"],
    ["CONFIG GET maxmemory", "keyless rw"],
    ["EVAL s 0", "keyless rw"],
    ["PUBLISH ch m", "keyless rw"],
    ["SPUBLISH ch m", "keyless rw"], // a shard channel is not a key
  ]);
  const unknown = planCommand(args("NOSUCHCMD a b"));
  assert.deepEqual(unknown, { spec: undefined, kind: "keyless", readonly: false, keys: [] });
  assert.deepEqual(planCommand([]).kind, "keyless");
});

Deno.test("command names match in any letter case", () => {
  check([
    ["get k", "keyed ro k:copy"],
    ["gEt k", "keyed ro k:copy"],
    ["MsEt a 1", "keyed rw a:overwrite"],
    ["sEtEx k 1 v", "keyed rw k:overwrite+retire"],
    ["Object Encoding k", "keyed ro k:copy"],
    ["uNlInK k", "delete rw k:overwrite+retire"],
  ]);
});

Deno.test("plans carry the spec and argument indexes", () => {
  const argv = args("MSET a 1 b 2");
  const result = planCommand(argv);
  assert.equal(result.spec, lookupCommand(argv));
  assert.deepEqual(result.keys.map((k) => k.index), [1, 3]);
  assert.equal(result.keys[1].key, argv[3]);
  assert.deepEqual(planCommand(argv, lookupCommand(argv)), result, "a caller may pass the spec");
});
