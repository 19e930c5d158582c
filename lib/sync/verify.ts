import type { KeySelector } from "../rdb/mod.ts";
import { keyString } from "../util/mod.ts";
import { isOwnKey } from "./feed_checkpoint.ts";
import { scanKeys } from "./key_scan.ts";
import { type Arg, replyText } from "./sync_client.ts";
import type { RedisLink } from "./redis_link.ts";
import { valueDigest } from "./value_digest.ts";

/** The verdict on one key, in RIOT's letters. */
export type Difference = "V" | ">" | "<" | "T";

export interface VerifyReport {
  ok: number;
  /** Value (or type) differs. */
  value: number;
  /** Only in the source. */
  onlySource: number;
  /** Only in the target. */
  onlyTarget: number;
  /** Same value, expiry differs by more than the tolerance. */
  ttl: number;
  diffs: { key: string; kind: Difference; detail: string }[];
}

export interface VerifyOptions {
  selector: KeySelector;
  match?: string;
  ttlToleranceMs: number;
  /** Check this many random keys from each side instead of every key. */
  sample?: number;
  /** Keep at most this many diffs in the report (default 1000). */
  maxDiffs?: number;
  /** Called after each batch with the keys checked so far. */
  progress?: (checked: number) => void;
}

/** RIOT's summary line: `OK:1000 V:0 >:0 <:0 T:0`. */
export function formatReport(report: VerifyReport): string {
  return `OK:${report.ok} V:${report.value} >:${report.onlySource} <:${report.onlyTarget} T:${report.ttl}`;
}

interface Side {
  client: RedisLink;
  expiryCommand: "PEXPIRETIME" | "PTTL";
  debugDigest: boolean;
}

/** Which commands a server allows: exact expiries (Redis 7) and DEBUG DIGEST-VALUE. */
export async function probeServer(client: RedisLink): Promise<Omit<Side, "client">> {
  const probe = new TextEncoder().encode(`__remiro_probe__:${crypto.randomUUID()}`);
  const [expiry, digest] = await client.pipeline([["PEXPIRETIME", probe], [
    "DEBUG",
    "DIGEST-VALUE",
    probe,
  ]]);
  return {
    expiryCommand: expiry.type === "error" ? "PTTL" : "PEXPIRETIME",
    debugDigest: digest.type === "array",
  };
}

interface KeyState {
  type: string;
  expiresAt?: number;
  digest: string;
}

async function states(side: Side, keys: Uint8Array[], now: number): Promise<KeyState[]> {
  const perKey = side.debugDigest ? 3 : 2;
  const commands: Arg[][] = keys.flatMap((key) => {
    const c: Arg[][] = [["TYPE", key], [side.expiryCommand, key]];
    if (side.debugDigest) c.push(["DEBUG", "DIGEST-VALUE", key]);
    return c;
  });
  const replies = await side.client.pipeline(commands);
  const out: KeyState[] = [];
  for (let i = 0; i < keys.length; i++) {
    const type = replyText(replies[i * perKey]);
    const expiry = replies[i * perKey + 1];
    let expiresAt: number | undefined;
    if (expiry.type === "integer" && expiry.value >= 0) {
      expiresAt = side.expiryCommand === "PTTL" ? now + expiry.value : expiry.value;
    }
    let digest = "";
    if (type !== "none") {
      const reply = replies[i * perKey + 2];
      digest = side.debugDigest && reply?.type === "array"
        ? `${type}:${replyText(reply.value[0])}`
        : await valueDigest(side.client, keys[i], type);
    }
    out.push({ type, expiresAt, digest });
  }
  return out;
}

/**
 * Compares source and target key by key, in both directions: type and value (DEBUG
 * DIGEST-VALUE where both servers allow it, else a digest read in chunks), then expiry within
 * the tolerance. Keys are read in SCAN batches, so memory is bounded by a batch plus the set of
 * keys seen (SCAN may repeat a key).
 */
export async function verifyDatabases(
  source: RedisLink,
  target: RedisLink,
  options: VerifyOptions,
): Promise<VerifyReport> {
  const report: VerifyReport = { ok: 0, value: 0, onlySource: 0, onlyTarget: 0, ttl: 0, diffs: [] };
  const [sourceProbe, targetProbe] = await Promise.all([probeServer(source), probeServer(target)]);
  // Both sides must digest the same way: DEBUG DIGEST-VALUE only when both allow it.
  const debugDigest = sourceProbe.debugDigest && targetProbe.debugDigest;
  const sides = {
    source: { client: source, ...sourceProbe, debugDigest },
    target: { client: target, ...targetProbe, debugDigest },
  };
  const maxDiffs = options.maxDiffs ?? 1000;
  const note = (key: Uint8Array, kind: Difference, detail: string) => {
    if (report.diffs.length < maxDiffs) {
      report.diffs.push({ key: new TextDecoder().decode(key), kind, detail });
    }
  };
  let checked = 0;
  const seen = new Set<string>();
  const fresh = (keys: Uint8Array[]) =>
    keys.filter((key) => {
      const id = keyString(0, key);
      if (seen.has(id) || !options.selector.matches(key) || isOwnKey(key)) return false;
      seen.add(id);
      return true;
    });

  for await (const batch of keyBatches(source, options)) {
    const keys = fresh(batch);
    if (keys.length === 0) continue;
    const now = Date.now();
    let [from, to] = await Promise.all([
      states(sides.source, keys, now),
      states(sides.target, keys, now),
    ]);
    const mismatched = keys.filter((_, i) =>
      from[i].type !== "none" && from[i].digest !== to[i].digest
    );
    if (mismatched.length) {
      // A scan that met a rehash can repeat members: compare once more before calling it a diff.
      const again = await Promise.all([
        states(sides.source, keys, now),
        states(sides.target, keys, now),
      ]);
      [from, to] = again;
    }
    keys.forEach((key, i) => {
      const a = from[i];
      const b = to[i];
      if (a.type === "none") return; // gone from the source since the scan
      if (b.type === "none") {
        report.onlySource++;
        return note(key, ">", `${a.type} only in the source`);
      }
      if (a.digest !== b.digest) {
        report.value++;
        return note(
          key,
          "V",
          a.type === b.type ? `${a.type} values differ` : `${a.type} vs ${b.type}`,
        );
      }
      const drift = a.expiresAt === undefined || b.expiresAt === undefined
        ? (a.expiresAt === b.expiresAt ? 0 : Infinity)
        : Math.abs(a.expiresAt - b.expiresAt);
      if (drift > options.ttlToleranceMs) {
        report.ttl++;
        return note(key, "T", `expiry ${a.expiresAt ?? "none"} vs ${b.expiresAt ?? "none"}`);
      }
      report.ok++;
    });
    checked += keys.length;
    options.progress?.(checked);
  }

  const targetSeen = new Set<string>();
  for await (const batch of keyBatches(target, options)) {
    const keys = batch.filter((key) => {
      const id = keyString(0, key);
      if (seen.has(id) || targetSeen.has(id) || !options.selector.matches(key) || isOwnKey(key)) {
        return false;
      }
      targetSeen.add(id);
      return true;
    });
    if (keys.length === 0) continue;
    const exists = await source.pipeline(keys.map((key) => ["EXISTS", key]));
    keys.forEach((key, i) => {
      const reply = exists[i];
      if (reply.type === "integer" && reply.value === 0) {
        report.onlyTarget++;
        note(key, "<", "only in the target");
      }
    });
  }
  return report;
}

/**
 * SCAN batches from every node (one, or each master of a cluster), or with `sample` that many
 * RANDOMKEY picks spread over the nodes.
 */
async function* keyBatches(
  client: RedisLink,
  options: VerifyOptions,
): AsyncGenerator<Uint8Array[]> {
  const nodes = client.nodes();
  if (options.sample === undefined) {
    for (const node of nodes) yield* scanKeys(node, { match: options.match });
    return;
  }
  const each = Math.ceil(options.sample / nodes.length);
  for (const node of nodes) {
    const replies = await node.pipeline(Array.from({ length: each }, () => ["RANDOMKEY"]));
    yield replies.flatMap((r) => (r.type === "bulk" ? [r.value] : []));
  }
}
