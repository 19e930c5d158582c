import { type Arg, replyBytes, replyError, replyItems } from "./sync_client.ts";
import type { RedisLink } from "./redis_link.ts";
import { scanMembers } from "./key_scan.ts";

const CHUNK = 1000;

async function send(target: RedisLink, commands: Arg[][]): Promise<void> {
  if (commands.length === 0) return;
  for (const reply of await target.pipeline(commands)) {
    const error = replyError(reply);
    if (error) throw new Error(`${target.name}: ${error}`);
  }
}

/**
 * Copies one key type by type in chunks (HSCAN/SSCAN/ZSCAN/LRANGE/XRANGE/GETRANGE) into a
 * temporary key on the target, then RENAMEs it over the key and sets its expiry: the
 * replicator never holds a big value whole, and a reader of the target never sees it half
 * copied. Used for keys over --mem-limit and when the target cannot RESTORE the source's DUMP
 * format (an older Redis). Stream consumer groups are not carried this way.
 */
export async function copyInChunks(
  source: RedisLink,
  target: RedisLink,
  key: Uint8Array,
  type: string,
  expiresAt: number | undefined,
): Promise<void> {
  const temporary = new TextEncoder().encode(`__remiro_copy__:${crypto.randomUUID()}`);
  const put = (args: Arg[]) => send(target, [args]);
  switch (type) {
    case "string": {
      // SET, then APPEND: an empty string still exists.
      for (let start = 0;; start += 1 << 20) {
        const end = String(start + (1 << 20) - 1);
        const part = replyBytes(await source.call("GETRANGE", key, String(start), end));
        if (!part) break;
        await put([start === 0 ? "SET" : "APPEND", temporary, part]);
        if (part.length < 1 << 20) break;
      }
      break;
    }
    case "hash":
      for await (const batch of scanMembers(source, "HSCAN", key)) {
        if (batch.length) await put(["HSET", temporary, ...batch]);
      }
      break;
    case "set":
      for await (const batch of scanMembers(source, "SSCAN", key)) {
        if (batch.length) await put(["SADD", temporary, ...batch]);
      }
      break;
    case "zset":
      for await (const batch of scanMembers(source, "ZSCAN", key)) {
        const pairs: Uint8Array[] = [];
        for (let i = 0; i < batch.length; i += 2) pairs.push(batch[i + 1], batch[i]);
        if (pairs.length) await put(["ZADD", temporary, ...pairs]);
      }
      break;
    case "list":
      for (let start = 0;; start += CHUNK) {
        const batch = replyItems(
          await source.call("LRANGE", key, String(start), String(start + CHUNK - 1)),
        );
        if (batch.length) await put(["RPUSH", temporary, ...batch]);
        if (batch.length < CHUNK) break;
      }
      break;
    case "stream": {
      let from = "-";
      while (true) {
        const reply = await source.call("XRANGE", key, from, "+", "COUNT", String(CHUNK));
        const entries = reply.type === "array" ? reply.value : [];
        const commands: Arg[][] = [];
        for (const entry of entries) {
          if (entry.type !== "array") continue;
          const [id, fields] = entry.value;
          const idBytes = replyBytes(id)!;
          commands.push(["XADD", temporary, idBytes, ...replyItems(fields)]);
          from = `(${new TextDecoder().decode(idBytes)}`;
        }
        await send(target, commands);
        if (entries.length < CHUNK) break;
      }
      // The last ID too, and a stream left with no entries still exists.
      const info = await source.call("XINFO", "STREAM", key);
      const fields = info.type === "array" ? info.value : [];
      const at = fields.findIndex((f) =>
        f.type === "bulk" && new TextDecoder().decode(f.value) === "last-generated-id"
      );
      const lastId = at >= 0 ? replyBytes(fields[at + 1]) : undefined;
      const [exists] = await target.pipeline([["EXISTS", temporary]]);
      if (exists.type === "integer" && exists.value === 0) {
        await send(target, [["XGROUP", "CREATE", temporary, "remiro-copy", "$", "MKSTREAM"], [
          "XGROUP",
          "DESTROY",
          temporary,
          "remiro-copy",
        ]]);
      }
      if (lastId) await send(target, [["XSETID", temporary, lastId]]);
      break;
    }
    default:
      throw new Error(`cannot copy key of type ${type} in chunks`);
  }
  // A key that vanished from the source while it was read is deleted, not half copied.
  const [stillThere] = await source.pipeline([["EXISTS", key]]);
  const [copied] = await target.pipeline([["EXISTS", temporary]]);
  if (
    stillThere.type === "integer" && stillThere.value === 0 ||
    copied.type === "integer" && copied.value === 0
  ) {
    await send(target, [["DEL", temporary, key]]);
    return;
  }
  const finish: Arg[][] = [["RENAME", temporary, key]];
  if (expiresAt !== undefined) finish.push(["PEXPIREAT", key, String(expiresAt)]);
  await send(target, finish);
}
