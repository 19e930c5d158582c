import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { RdbEntry, RdbValue } from "../../lib/rdb/mod.ts";

/**
 * One key of an RDB fixture in a canonical form both sides can produce: the fixture script
 * reads it back from the server that saved it, the tests build it from the parser's output.
 * Strings are latin1 so arbitrary bytes survive JSON; unordered collections are sorted.
 */
export interface FixtureKey {
  db: number;
  key: string;
  type: string;
  /** Exact absolute expiry in ms where the server can tell it (7.0+), else just whether it has one. */
  expiresAt?: number;
  hasTtl: boolean;
  value: unknown;
}

const decoder = new TextDecoder("latin1");

/** Bytes as latin1 text; long ones as a digest so the expectation files stay small. */
function latin1(bytes: Uint8Array): string {
  if (bytes.length <= 256) return decoder.decode(bytes);
  return `${bytes.length} bytes, sha1 ${createHash("sha1").update(bytes).digest("hex")}`;
}
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A score as JavaScript prints the number Redis means by its text. */
function scoreText(score: number | string): string {
  if (typeof score === "number") return String(score);
  if (score === "inf") return "Infinity";
  if (score === "-inf") return "-Infinity";
  return String(Number(score));
}

function pairsOf(flat: unknown[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (let i = 0; i < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]);
  return map;
}

/** The canonical value of `entry`, from this library's decoding. */
export function canonicalFromRdb(entry: RdbEntry): FixtureKey {
  const value = entry.decode();
  return {
    db: entry.db,
    key: latin1(entry.key),
    type: value.type,
    expiresAt: entry.expiresAt,
    hasTtl: entry.expiresAt !== undefined,
    value: canonicalValue(value),
  };
}

function canonicalValue(value: RdbValue): unknown {
  switch (value.type) {
    case "string":
      return latin1(value.value);
    case "list":
      return value.items.map(latin1);
    case "set":
      return value.members.map(latin1).sort(byText);
    case "zset":
      return value.members
        .map(({ member, score }) => [latin1(member), score] as const)
        .sort((a, b) => a[1] - b[1] || byText(a[0], b[0]))
        .map(([member, score]) => [member, scoreText(score)]);
    case "hash":
      return value.fields
        .map(({ field, value, expiresAt }) => [latin1(field), latin1(value), expiresAt ?? null])
        .sort((a, b) => byText(a[0] as string, b[0] as string));
    case "stream": {
      const { stream } = value;
      const id = ({ ms, seq }: { ms: bigint; seq: bigint }) => `${ms}-${seq}`;
      return {
        length: stream.length,
        lastId: id(stream.lastId),
        entries: stream.entries.map((e) => [id(e.id), e.fields.flat().map(latin1)]),
        groups: stream.groups
          .map((g) => ({
            name: latin1(g.name),
            lastId: id(g.lastId),
            pending: g.pending.length,
            consumers: g.consumers.map((c) => [latin1(c.name), c.pending.length])
              .sort((a, b) => byText(a[0] as string, b[0] as string)),
          }))
          .sort((a, b) => byText(a.name, b.name)),
      };
    }
    case "module":
      return value.moduleName;
  }
}

/** The canonical value of every key in databases 0-15, read through commands. */
export async function expectedValues(redis: Redis, release: number): Promise<FixtureKey[]> {
  const out: FixtureKey[] = [];
  for (let db = 0; db < 16; db++) {
    await redis.select(db);
    const keys = (await redis.keysBuffer("*")).sort((a, b) => byText(latin1(a), latin1(b)));
    for (const key of keys) {
      const type = await redis.type(key);
      const pttl = await redis.pttl(key);
      const entry: FixtureKey = { db, key: latin1(key), type, hasTtl: pttl > 0, value: null };
      if (release >= 7.0 && pttl > 0) {
        entry.expiresAt = Number(await redis.call("PEXPIRETIME", key));
      }
      entry.value = await readValue(redis, key, type, release);
      out.push(entry);
    }
  }
  await redis.select(0);
  return out;
}

async function readValue(
  redis: Redis,
  key: Buffer,
  type: string,
  release: number,
): Promise<unknown> {
  const text = (items: Buffer[]) => items.map(latin1);
  switch (type) {
    case "string":
      return latin1((await redis.getBuffer(key))!);
    case "list":
      return text(await redis.lrangeBuffer(key, 0, -1));
    case "set":
      return text(await redis.smembersBuffer(key)).sort(byText);
    case "zset": {
      const flat = text(await redis.zrangeBuffer(key, 0, -1, "WITHSCORES"));
      const out: string[][] = [];
      for (let i = 0; i < flat.length; i += 2) out.push([flat[i], scoreText(flat[i + 1])]);
      return out;
    }
    case "hash": {
      const flat = text((await redis.callBuffer("HGETALL", key)) as Buffer[]);
      const fields: [string, string, number | null][] = [];
      for (let i = 0; i < flat.length; i += 2) fields.push([flat[i], flat[i + 1], null]);
      if (release >= 7.4) {
        const names = fields.map(([f]) => f);
        const times =
          (await redis.call("HPEXPIRETIME", key, "FIELDS", names.length, ...names)) as number[];
        times.forEach((t, i) => (fields[i][2] = t > 0 ? t : null));
      }
      return fields.sort((a, b) => byText(a[0], b[0]));
    }
    case "stream": {
      const entries = (await redis.xrange(key, "-", "+")) as [string, string[]][];
      const info = pairsOf((await redis.call("XINFO", "STREAM", key)) as unknown[]);
      const groups = [];
      for (const raw of (await redis.call("XINFO", "GROUPS", key)) as unknown[][]) {
        const group = pairsOf(raw);
        const name = String(group.get("name"));
        const consumers = ((await redis.call("XINFO", "CONSUMERS", key, name)) as unknown[][])
          .map((c) => pairsOf(c))
          .map((c) => [String(c.get("name")), Number(c.get("pending"))])
          .sort((a, b) => byText(a[0] as string, b[0] as string));
        groups.push({
          name,
          lastId: String(group.get("last-delivered-id")),
          pending: Number(group.get("pending")),
          consumers,
        });
      }
      return {
        length: Number(info.get("length")),
        lastId: String(info.get("last-generated-id")),
        entries: entries.map(([id, fields]) => [id, fields]),
        groups: groups.sort((a, b) => byText(a.name, b.name)),
      };
    }
    default:
      throw new TypeError(`fixture key of unexpected type ${type}`);
  }
}
