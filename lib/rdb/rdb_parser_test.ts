import assert from "node:assert/strict";
import { ByteBuilder } from "./byte_builder.ts";
import { parseRdb } from "./parse_rdb.ts";
import { RdbParser, type RdbRecord } from "./rdb_parser.ts";
import { RdbSyntaxError } from "./rdb_syntax_error.ts";
import { buildRdb } from "./rdb_writer.ts";
import { RdbType } from "./rdb_types.ts";
import { decodeDump, encodeDump } from "./dump_payload.ts";
import { filterRdb } from "./filter_rdb.ts";
import { encodeListpack } from "./listpack.ts";
import { seededBytes } from "../../tests/_util/seeded_bytes.ts";

const text = (s: string) => new TextEncoder().encode(s);
const latin1 = (b: Uint8Array) => new TextDecoder("latin1").decode(b);

/** A small file with one key of every kind the writer makes, a TTL, two dbs and aux fields. */
function sampleRdb(): Uint8Array {
  return buildRdb((w) => {
    w.aux("redis-ver", "7.0.15").selectDb(0);
    w.value(text("s"), { type: "string", value: text("x".repeat(50)) }, {
      expiresAt: 4102444800000,
    });
    w.value(text("n"), { type: "string", value: text("-12") });
    w.value(text("l"), { type: "list", items: [text("a"), text("17")] });
    w.value(text("set"), { type: "set", members: [text("m")] });
    w.value(text("z"), { type: "zset", members: [{ member: text("a"), score: -Infinity }] });
    w.value(text("h"), { type: "hash", fields: [{ field: text("f"), value: text("v") }] });
    w.selectDb(3);
    w.value(text("stream"), {
      type: "stream",
      stream: {
        entries: [{ id: { ms: 5n, seq: 1n }, fields: [[text("a"), text("1")]] }],
        length: 1,
        lastId: { ms: 5n, seq: 1n },
        groups: [{
          name: text("g"),
          lastId: { ms: 5n, seq: 1n },
          pending: [{ id: { ms: 5n, seq: 1n }, deliveryTime: 99, deliveryCount: 2 }],
          consumers: [{ name: text("c"), seenTime: 98, pending: [{ ms: 5n, seq: 1n }] }],
        }],
      },
    });
  });
}

function parseAll(bytes: Uint8Array, chunkSize = bytes.length, verifyChecksum = true): RdbRecord[] {
  const parser = new RdbParser({ verifyChecksum });
  const records: RdbRecord[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) {
    parser.push(bytes.subarray(at, at + chunkSize));
    for (let r; (r = parser.next());) records.push(r);
  }
  parser.end();
  for (let r; (r = parser.next());) records.push(r);
  return records;
}

Deno.test("RdbParser gives the same records whatever the chunking", () => {
  const bytes = sampleRdb();
  const whole = parseAll(bytes).map((r) => `${r.kind}:${latin1(r.raw)}`);
  assert.equal(whole.at(-1)?.startsWith("eof"), true);
  for (const size of [1, 2, 3, 7, 64]) {
    assert.deepEqual(parseAll(bytes, size).map((r) => `${r.kind}:${latin1(r.raw)}`), whole);
  }
  const entries = parseAll(bytes).flatMap((r) => (r.kind === "entry" ? [r.entry] : []));
  assert.deepEqual(entries.map((e) => `${e.db}:${e.keyText}:${e.dataType}`), [
    "0:s:string",
    "0:n:string",
    "0:l:list",
    "0:set:set",
    "0:z:zset",
    "0:h:hash",
    "3:stream:stream",
  ]);
  assert.equal(entries[0].expiresAt, 4102444800000);
  const stream = entries[6].decode();
  assert.ok(stream.type === "stream");
  assert.equal(stream.stream.groups[0].pending[0].deliveryCount, 2);
});

Deno.test("truncation at every offset is an RdbSyntaxError, never a hang or another error", () => {
  const bytes = sampleRdb();
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(
      () => parseAll(bytes.subarray(0, length)),
      (error: unknown) => error instanceof RdbSyntaxError && error.offset <= length,
      `truncated to ${length} bytes`,
    );
  }
});

Deno.test("a flipped byte is caught by the checksum, and without it decodes or fails cleanly", () => {
  const bytes = sampleRdb();
  let seed = 99;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  let caughtByChecksum = 0;
  for (let trial = 0; trial < 3000; trial++) {
    const corrupt = bytes.slice();
    const at = random() % (corrupt.length - 8);
    corrupt[at] ^= 1 + (random() % 255);
    assert.throws(() => parseAll(corrupt), RdbSyntaxError);
    try {
      for (const record of parseAll(corrupt, 13, false)) {
        if (record.kind === "entry") record.entry.decode();
      }
    } catch (error) {
      assert.ok(error instanceof RdbSyntaxError, `flip at ${at}: ${error}`);
      continue;
    }
    caughtByChecksum++;
  }
  assert.ok(caughtByChecksum > 0, "some flips leave a structurally valid file");
});

Deno.test("errors name the problem and the offset", () => {
  assert.throws(() => parseAll(text("REDIS0099")), /unsupported RDB version "0099" at offset 5/);
  assert.throws(() => parseAll(text("HELLO0009")), /no REDIS magic at offset 0/);
  const unknownType = new ByteBuilder().bytes(text("REDIS0010")).u8(0x1a).take();
  assert.throws(() => parseAll(unknownType), {
    message: "Cannot parse RDB: unknown type byte 0x1a at offset 9",
  });
  const bad = sampleRdb();
  bad[bad.length - 1] ^= 0xff;
  assert.throws(() => parseAll(bad), /checksum 0x[0-9a-f]+ does not match/);
});

Deno.test("a record over maxRecordBytes is refused before it is buffered whole", () => {
  const big = buildRdb((w) => w.value(text("k"), { type: "string", value: seededBytes(5000, 11) }));
  const parser = new RdbParser({ maxRecordBytes: 1000 });
  assert.throws(() => {
    for (let at = 0; at < big.length; at += 100) {
      parser.push(big.subarray(at, at + 100));
      while (parser.next());
    }
  }, /record longer than the 1000-byte limit/);
});

Deno.test("older and rarer encodings: zipmap, module values, module aux, plain quicklist nodes", async () => {
  const b = new ByteBuilder().bytes(text("REDIS0009"));
  // A zipmap hash {a: "xy", bb: ""} with one free byte after "xy".
  b.u8(RdbType.HASH_ZIPMAP).rdbString(text("zm"));
  b.rdbString(Uint8Array.from([2, 1, 0x61, 2, 1, 0x78, 0x79, 0, 2, 0x62, 0x62, 0, 0, 0xff]), false);
  // A module value: ID, then an unsigned int, a string, a double, EOF.
  const moduleId = 0x2d1e4b7b5ee4a400n;
  b.u8(RdbType.MODULE_2).rdbString(text("mod")).rdbLength(moduleId);
  b.rdbLength(2).rdbLength(7).rdbLength(5).rdbString(text("s")).rdbLength(4).binaryDouble(1.5);
  b.rdbLength(0);
  // Module aux data.
  b.u8(247).rdbLength(moduleId).rdbLength(2).rdbLength(1).rdbLength(1).rdbLength(3).rdbLength(0);
  // A quicklist with one plain node.
  b.u8(RdbType.LIST_QUICKLIST_2).rdbString(text("ql")).rdbLength(1).rdbLength(1).rdbString(
    text("big"),
  );
  b.u8(255).bytes(new Uint8Array(8));
  const records = [];
  for await (const r of parseRdb(b.take())) records.push(r);
  const entries = records.flatMap((r) => (r.kind === "entry" ? [r.entry] : []));
  const zipmap = entries[0].decode();
  assert.deepEqual(
    zipmap.type === "hash" && zipmap.fields.map((f) => [latin1(f.field), latin1(f.value)]),
    [["a", "xy"], ["bb", ""]],
  );
  const module = entries[1].decode();
  assert.ok(module.type === "module");
  assert.equal(module.moduleId, moduleId);
  assert.equal(module.moduleName.length, 9);
  assert.equal(records.filter((r) => r.kind === "moduleaux").length, 1);
  const list = entries[2].decode();
  assert.deepEqual(list.type === "list" && list.items.map(latin1), ["big"]);
  const last = records.at(-1);
  assert.equal(last?.kind === "eof" && last.checksum, 0n, "a zero checksum means 'not computed'");
});

Deno.test("DUMP payloads round-trip and are checked", () => {
  const payload = new ByteBuilder().rdbString(text("hello")).take();
  const dump = encodeDump({ type: RdbType.STRING, payload }, 10);
  assert.deepEqual(decodeDump(dump), { type: 0, payload, rdbVersion: 10 });
  const corrupt = dump.slice();
  corrupt[2] ^= 1;
  assert.throws(() => decodeDump(corrupt), /DUMP checksum/);
  assert.throws(() => decodeDump(dump.subarray(0, 5)), /too short/);
});

Deno.test("a value over largeValueBytes streams through in chunks and a filter copies it intact", async () => {
  const value = seededBytes(3 * 2 ** 20, 5);
  const rdb = buildRdb((w) => {
    w.selectDb(0);
    w.value(text("before"), { type: "string", value: text("small") });
    w.value(text("big"), { type: "string", value }, { expiresAt: 4102444800000 });
    w.value(text("after"), { type: "list", items: [text("x")] });
  });
  const parser = new RdbParser({ largeValueBytes: 2 ** 20 });
  const kinds: string[] = [];
  const pieces: Uint8Array[] = [];
  let mostBuffered = 0;
  for (let at = 0; at < rdb.length; at += 65536) {
    parser.push(rdb.subarray(at, at + 65536));
    mostBuffered = Math.max(mostBuffered, parser.bufferedBytes);
    for (let r; (r = parser.next());) {
      if (kinds.at(-1) !== r.kind) kinds.push(r.kind);
      if (r.kind === "largevalue") assert.equal(r.valueBytes, value.length);
      if (r.kind === "valuechunk") pieces.push(r.raw);
    }
  }
  parser.end();
  for (let r; (r = parser.next());) kinds.push(r.kind);
  assert.deepEqual(kinds, [
    "header",
    "selectdb",
    "entry",
    "largevalue",
    "valuechunk",
    "entry",
    "eof",
  ]);
  assert.ok(mostBuffered <= 2 * 65536, `held at most two chunks, not the value (${mostBuffered})`);
  const joined = new Uint8Array(value.length);
  pieces.reduce((at, piece) => (joined.set(piece, at), at + piece.length), 0);
  assert.deepEqual(joined, value);

  const out: Uint8Array[] = [];
  const stats = await filterRdb(rdb, (chunk) => out.push(chunk), {
    include: /^(big|after)$/,
    largeValueBytes: 2 ** 20,
  });
  assert.equal(stats.kept, 2);
  const copied = new Uint8Array(out.reduce((n, c) => n + c.length, 0));
  out.reduce((at, piece) => (copied.set(piece, at), at + piece.length), 0);
  const entries = [];
  for await (const r of parseRdb(copied)) if (r.kind === "entry") entries.push(r.entry);
  assert.deepEqual(entries.map((e) => e.keyText), ["big", "after"]);
  const big = entries[0].decode();
  assert.ok(big.type === "string");
  assert.deepEqual(big.value, value);
  assert.equal(entries[0].expiresAt, 4102444800000);
});

Deno.test("hashes with field TTLs in every form: metadata and listpack, 7.4 and its release candidates", async () => {
  const b = new ByteBuilder().bytes(text("REDIS0012"));
  // Type 24: min expiry, then per field a TTL relative to it (+1; 0 = none), field, value.
  b.u8(RdbType.HASH_METADATA).rdbString(text("h24")).i64le(1000).rdbLength(2);
  b.rdbLength(6).rdbString(text("a")).rdbString(text("1"));
  b.rdbLength(0).rdbString(text("b")).rdbString(text("2"));
  // Type 22 (7.4 RC): no min expiry, absolute TTLs.
  b.u8(RdbType.HASH_METADATA_PRE_GA).rdbString(text("h22")).rdbLength(1);
  b.rdbLength(5000).rdbString(text("c")).rdbString(text("3"));
  // Types 25 and 23: a listpack of field, value, TTL triples (25 after a min expiry).
  const triples = encodeListpack([text("d"), text("4"), 7000n, text("e"), text("5"), 0n]);
  b.u8(RdbType.HASH_LISTPACK_EX).rdbString(text("h25")).i64le(7000).rdbString(triples, false);
  b.u8(RdbType.HASH_LISTPACK_EX_PRE_GA).rdbString(text("h23")).rdbString(triples, false);
  b.u8(255).bytes(new Uint8Array(8));
  const fields: Record<string, unknown> = {};
  for await (const r of parseRdb(b.take())) {
    if (r.kind !== "entry") continue;
    const value = r.entry.decode();
    assert.ok(value.type === "hash");
    fields[r.entry.keyText] = value.fields.map((
      f,
    ) => [latin1(f.field), latin1(f.value), f.expiresAt]);
  }
  assert.deepEqual(fields, {
    h24: [["a", "1", 1005], ["b", "2", undefined]],
    h22: [["c", "3", 5000]],
    h25: [["d", "4", 7000], ["e", "5", undefined]],
    h23: [["d", "4", 7000], ["e", "5", undefined]],
  });
});
