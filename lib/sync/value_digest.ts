import { createHash } from "node:crypto";
import { replyBytes, replyItems } from "./sync_client.ts";
import type { RedisLink } from "./redis_link.ts";
import { scanMembers } from "./key_scan.ts";

const CHUNK = 1000;

function sha1(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash("sha1");
  for (const part of parts) {
    hash.update(String(part.length));
    hash.update(":");
    hash.update(part);
  }
  return new Uint8Array(hash.digest());
}

function xorInto(accumulator: Uint8Array, digest: Uint8Array): void {
  for (let i = 0; i < accumulator.length; i++) accumulator[i] ^= digest[i];
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

/**
 * A digest of a key's value read in chunks, in constant memory, for servers where DEBUG
 * DIGEST-VALUE is disabled: ordered types (string, list, stream) hash their elements in order,
 * unordered ones (hash, set, zset) XOR one hash per member so the scan order does not matter.
 * Equal values give equal digests on any two servers; a member returned twice by a scan during
 * a rehash changes it, which the verifier answers by comparing again.
 */
export async function valueDigest(
  client: RedisLink,
  key: Uint8Array,
  type: string,
): Promise<string> {
  const ordered = createHash("sha1");
  const unordered = new Uint8Array(20);
  const feed = (parts: Uint8Array[]) => {
    for (const part of parts) ordered.update(String(part.length) + ":").update(part);
  };
  const scan = async (command: "HSCAN" | "SSCAN" | "ZSCAN", width: number) => {
    for await (const items of scanMembers(client, command, key, CHUNK)) {
      for (let i = 0; i < items.length; i += width) {
        xorInto(unordered, sha1(...items.slice(i, i + width)));
      }
    }
  };
  switch (type) {
    case "string":
      for (let start = 0;; start += 1 << 20) {
        const part = replyBytes(
          await client.call("GETRANGE", key, String(start), String(start + (1 << 20) - 1)),
        );
        if (!part || part.length === 0) break;
        ordered.update(part);
        if (part.length < 1 << 20) break;
      }
      break;
    case "list":
      for (let start = 0;; start += CHUNK) {
        const items = replyItems(
          await client.call("LRANGE", key, String(start), String(start + CHUNK - 1)),
        );
        feed(items);
        if (items.length < CHUNK) break;
      }
      break;
    case "stream": {
      let from = "-";
      while (true) {
        const reply = await client.call("XRANGE", key, from, "+", "COUNT", String(CHUNK));
        const entries = reply.type === "array" ? reply.value : [];
        for (const entry of entries) {
          if (entry.type !== "array") continue;
          const id = replyBytes(entry.value[0])!;
          feed([id, ...replyItems(entry.value[1])]);
          from = `(${new TextDecoder().decode(id)}`;
        }
        if (entries.length < CHUNK) break;
      }
      break;
    }
    case "hash":
      await scan("HSCAN", 2);
      break;
    case "set":
      await scan("SSCAN", 1);
      break;
    case "zset":
      await scan("ZSCAN", 2);
      break;
    default:
      return `${type}:unsupported`;
  }
  return `${type}:${ordered.digest("hex")}:${hex(unordered)}`;
}
