import { RedisServer } from "../../lib/redis_process/mod.ts";
import { parseRdb, RdbWriter } from "../../lib/rdb/mod.ts";
import { concatChunks } from "../../lib/util/mod.ts";
import type { FixtureKey } from "./rdb_fixture_values.ts";

export const FIXTURE_VERSIONS = ["2.8.24", "6.2.16", "7.0.15", "7.4.1"] as const;

const FIXTURES = new URL("../fixtures/rdb/", import.meta.url);

export function fixtureRdb(version: string): Promise<Uint8Array> {
  return Deno.readFile(new URL(`redis-${version}.rdb`, FIXTURES));
}

export async function fixtureKeys(version: string): Promise<FixtureKey[]> {
  return JSON.parse(await Deno.readTextFile(new URL(`redis-${version}.json`, FIXTURES)));
}

/**
 * A redis-server (the installed one) that loaded `rdb` at start-up, with DEBUG enabled for
 * DIGEST-VALUE. Dispose with `await using`.
 */
export function serverLoading(rdb: Uint8Array): Promise<RedisServer> {
  return RedisServer.start({ rdb, args: ["--enable-debug-command", "yes"] });
}

/**
 * Parses `rdb` and writes it again from decoded values (not raw bytes) at `version`: the
 * strongest check that decoding and encoding agree with Redis.
 */
export async function rewriteFromValues(rdb: Uint8Array, version: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const writer = new RdbWriter((chunk) => chunks.push(chunk), { version });
  let db = -1;
  for await (const record of parseRdb(rdb)) {
    if (record.kind === "function") writer.functionLibrary(record.code);
    if (record.kind !== "entry") continue;
    const { entry } = record;
    if (entry.db !== db) writer.selectDb(db = entry.db);
    writer.value(entry.key, entry.decode(), { expiresAt: entry.expiresAt });
  }
  writer.end();
  return concatChunks(chunks);
}
