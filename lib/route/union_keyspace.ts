import {
  decodeReply,
  encodeArray,
  encodeBulk,
  encodeCommand,
  encodeError,
  encodeInteger,
  integerValue,
  isErrorFrame,
  type Reply,
} from "../resp/mod.ts";
import { distinctKeys } from "../util/key_string.ts";
import type { RouteContext } from "./router.ts";
import type { Target } from "./target.ts";
import type { MigrationSource } from "./migration_source.ts";

/**
 * Keyspace-wide reads that, in migration mode, answer for the union of the two servers without
 * copying: the source still holds the keys nobody touched yet, and they exist for clients.
 */
export const KEYSPACE_COMMANDS: ReadonlySet<string> = new Set([
  "dbsize",
  "keys",
  "scan",
  "randomkey",
]);

const SOURCE_SCAN_BATCH = "1000";

/**
 * Answers a command of {@linkcode KEYSPACE_COMMANDS}. A key on both servers counts once.
 *
 * SCAN walks the source first, then the destination, skipping destination keys that also exist
 * on the source (they were returned in the source walk). In that order a key copied from the
 * source to the destination during the scan is never missed: if the source walk passed it
 * before the copy, it was returned then; otherwise it is found on the destination. SCAN may
 * return a key twice, as Redis's may. The combined cursor is a decimal number: 0 starts
 * (and ends) the scan, an even number 2c continues the source walk at c, an odd number 2c+1
 * the destination walk at c.
 */
export function answerKeyspace(
  source: MigrationSource,
  destination: Target,
  name: string,
  args: Uint8Array[],
  context: RouteContext,
): Promise<Uint8Array> {
  const servers = { source, destination, db: context.db };
  switch (name) {
    case "dbsize":
      return dbsize(servers);
    case "keys":
      return keys(servers, args);
    case "randomkey":
      return randomKey(servers);
    default:
      return scan(servers, args);
  }
}

interface Servers {
  source: MigrationSource;
  destination: Target;
  db: number;
}

const text = new TextDecoder();

/** The bulk strings of an array reply (KEYS, SCAN's second element). */
function bulks(reply: Reply): Uint8Array[] {
  if (reply.type !== "array") return [];
  return reply.value.flatMap((item) => item.type === "bulk" ? [item.value] : []);
}

/** The keys of `candidates` that do not exist on `target`. */
async function absentFrom(
  target: MigrationSource,
  db: number,
  candidates: Uint8Array[],
): Promise<Uint8Array[]> {
  if (candidates.length === 0) return [];
  const replies = await Promise.all(target.callAll(db, candidates.map((k) => ["EXISTS", k])));
  return candidates.filter((_, i) => integerValue(replies[i]) === 0);
}

async function keys({ source, destination, db }: Servers, args: Uint8Array[]): Promise<Uint8Array> {
  const frame = encodeCommand(args);
  const [onDestination, onSource] = await Promise.all([
    destination.send(db, "keys", frame),
    source.send(db, "keys", frame),
  ]);
  if (isErrorFrame(onDestination)) return onDestination;
  if (isErrorFrame(onSource)) return onSource;
  const all = distinctKeys([...bulks(decodeReply(onDestination)), ...bulks(decodeReply(onSource))]);
  return encodeArray(all.map((key) => encodeBulk(key)));
}

/** Costs a walk of the whole source: DBSIZE alone cannot tell keys on both servers apart. */
async function dbsize({ source, destination, db }: Servers): Promise<Uint8Array> {
  const onDestination = await destination.call(db, ["DBSIZE"]);
  if (isErrorFrame(onDestination)) return onDestination;
  let count = integerValue(onDestination) ?? 0;
  let cursor = "0";
  do {
    const page = await source.call(db, ["SCAN", cursor, "COUNT", SOURCE_SCAN_BATCH]);
    if (isErrorFrame(page)) return page;
    const [next, found] = (decodeReply(page) as { value: Reply[] }).value;
    cursor = next.type === "bulk" ? text.decode(next.value) : "0";
    count += (await absentFrom(destination, db, bulks(found))).length;
  } while (cursor !== "0");
  return encodeInteger(count);
}

/** A key from one side, chosen in proportion to the sides' sizes. */
async function randomKey(servers: Servers): Promise<Uint8Array> {
  const { source, destination, db } = servers;
  const [sourceSize, destinationSize] = await Promise.all([
    source.call(db, ["DBSIZE"]).then(integerValue),
    destination.call(db, ["DBSIZE"]).then(integerValue),
  ]);
  const fromSource = Math.random() * ((sourceSize ?? 0) + (destinationSize ?? 0)) <
    (sourceSize ?? 0);
  if (fromSource) {
    const key = await source.call(db, ["RANDOMKEY"]);
    const reply = decodeReply(key);
    if (reply.type === "bulk") return key;
  }
  return destination.call(db, ["RANDOMKEY"]);
}

async function scan(servers: Servers, args: Uint8Array[]): Promise<Uint8Array> {
  const { source, destination, db } = servers;
  const cursorText = text.decode(args[1]);
  if (!/^\d+$/.test(cursorText)) return encodeError("ERR invalid cursor");
  const cursor = BigInt(cursorText);
  const onSource = cursor % 2n === 0n;
  const upstream = onSource ? cursor / 2n : (cursor - 1n) / 2n;
  const target = onSource ? source : destination;
  const page = await target.send(
    db,
    "scan",
    encodeCommand(["SCAN", `${upstream}`, ...args.slice(2)]),
  );
  if (isErrorFrame(page)) return page;
  const [nextReply, found] = (decodeReply(page) as { value: Reply[] }).value;
  const next = BigInt(nextReply.type === "bulk" ? text.decode(nextReply.value) : "0");
  let keys = bulks(found);
  if (!onSource) keys = await absentFrom(source, db, keys);
  const combined = onSource ? (next === 0n ? 1n : next * 2n) : (next === 0n ? 0n : next * 2n + 1n);
  return encodeArray([encodeBulk(`${combined}`), encodeArray(keys.map((key) => encodeBulk(key)))]);
}
