import assert from "node:assert/strict";
import { decodeReply, encodeArray, encodeBulk, encodeInteger, type Reply } from "../resp/mod.ts";
import { fanOut } from "./fan_out.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (...args: string[]) => args.map((a) => encoder.encode(a));

/** Three nodes whose SCAN pages two keys per call with cursors 0 -> 7 -> 0. */
function scanningNodes(sent: string[][]) {
  return (node: number, args: Uint8Array[]) => {
    const words = args.map((a) => decoder.decode(a));
    sent.push([String(node), ...words]);
    const next = words[1] === "0" ? "7" : "0";
    const keys = [`n${node}-${words[1]}-a`, `n${node}-${words[1]}-b`];
    return Promise.resolve(
      encodeArray([encodeBulk(next), encodeArray(keys.map((k) => encodeBulk(k)))]),
    );
  };
}

function parts(frame: Uint8Array): { cursor: string; keys: string[] } {
  const reply = decodeReply(frame) as { type: "array"; value: Reply[] };
  const [cursor, keys] = reply.value as [
    { type: "bulk"; value: Uint8Array },
    { type: "array"; value: { type: "bulk"; value: Uint8Array }[] },
  ];
  return {
    cursor: decoder.decode(cursor.value),
    keys: keys.value.map((k) => decoder.decode(k.value)),
  };
}

Deno.test("SCAN walks node after node; the cursor is c * N + node", async () => {
  const sent: string[][] = [];
  const run = scanningNodes(sent);
  const cursors: string[] = [];
  const keys: string[] = [];
  let cursor = "0";
  do {
    const page = parts(await fanOut("scan", bytes("SCAN", cursor, "MATCH", "*"), 3, run, 2));
    cursors.push(page.cursor);
    keys.push(...page.keys);
    cursor = page.cursor;
  } while (cursor !== "0");
  // node 0: 0 -> 7 (7*3+0 = 21) -> 0 (next node: 1); node 1: 22, then 2; node 2: 23, then end.
  assert.deepEqual(cursors, ["21", "1", "22", "2", "23", "0"]);
  assert.equal(new Set(keys).size, 12);
  assert.deepEqual(sent[1], ["0", "SCAN", "7", "MATCH", "*"], "options are passed on");
  assert.deepEqual(
    decoder.decode(await fanOut("scan", bytes("SCAN", "-1"), 3, run, 2)),
    "-ERR invalid cursor\r\n",
  );
});

Deno.test("DBSIZE sums, KEYS merges, and a node's error is the reply", async () => {
  const sizes = [3, 4, 5];
  const dbsize = await fanOut(
    "dbsize",
    bytes("DBSIZE"),
    3,
    (node) => Promise.resolve(encodeInteger(sizes[node])),
    2,
  );
  assert.deepEqual(dbsize, encodeInteger(12));
  const keys = await fanOut(
    "keys",
    bytes("KEYS", "*"),
    2,
    (node) => Promise.resolve(encodeArray([encodeBulk(`k${node}`)])),
    2,
  );
  assert.deepEqual(keys, encodeArray([encodeBulk("k0"), encodeBulk("k1")]));
  const refused = encoder.encode("-ERR boom\r\n");
  const failed = await fanOut(
    "flushdb",
    bytes("FLUSHDB"),
    3,
    (node) => Promise.resolve(node === 1 ? refused : encoder.encode("+OK\r\n")),
    2,
  );
  assert.deepEqual(failed, refused);
});

Deno.test("RANDOMKEY skips empty nodes", async () => {
  const nil = encoder.encode("$-1\r\n");
  for (let i = 0; i < 10; i++) {
    const key = await fanOut(
      "randomkey",
      bytes("RANDOMKEY"),
      3,
      (node) => Promise.resolve(node === 2 ? encodeBulk("only") : nil),
      2,
    );
    assert.deepEqual(key, encodeBulk("only"));
  }
  const none = await fanOut("randomkey", bytes("RANDOMKEY"), 3, () => Promise.resolve(nil), 2);
  assert.deepEqual(none, nil);
});
