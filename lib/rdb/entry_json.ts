import type { RdbEntry } from "./rdb_entry.ts";
import type { RdbValue, StreamId } from "./rdb_value.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Bytes as a JSON value: their text when they are valid UTF-8, else `{"base64": ...}`. */
export function bytesJson(bytes: Uint8Array): string | { base64: string } {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return { base64: btoa(binary) };
  }
}

const id = ({ ms, seq }: StreamId) => `${ms}-${seq}`;

/** A JSON-ready form of a decoded value. */
export function valueJson(value: RdbValue): unknown {
  switch (value.type) {
    case "string":
      return bytesJson(value.value);
    case "list":
      return value.items.map(bytesJson);
    case "set":
      return value.members.map(bytesJson);
    case "zset":
      // Infinite scores have no JSON number; they are written as the strings Redis prints.
      return value.members.map(({ member, score }) => [
        bytesJson(member),
        Number.isFinite(score) ? score : score > 0 ? "inf" : "-inf",
      ]);
    case "hash":
      return value.fields.map(({ field, value, expiresAt }) =>
        expiresAt === undefined
          ? [bytesJson(field), bytesJson(value)]
          : [bytesJson(field), bytesJson(value), expiresAt]
      );
    case "stream": {
      const { stream } = value;
      return {
        length: stream.length,
        lastId: id(stream.lastId),
        entries: stream.entries.map((e) => [id(e.id), e.fields.flat().map(bytesJson)]),
        groups: stream.groups.map((g) => ({
          name: bytesJson(g.name),
          lastId: id(g.lastId),
          pending: g.pending.map((p) => [id(p.id), p.deliveryTime, p.deliveryCount]),
          consumers: g.consumers.map((c) => ({
            name: bytesJson(c.name),
            seenTime: c.seenTime,
            pending: c.pending.map(id),
          })),
        })),
      };
    }
    case "module":
      return { module: value.moduleName };
  }
}

/** One line of `remiro rdb json`: database, key, type, absolute expiry and value. */
export function entryJson(entry: RdbEntry): string {
  return JSON.stringify({
    db: entry.db,
    key: bytesJson(entry.key),
    type: entry.dataType,
    expiresAt: entry.expiresAt ?? null,
    value: valueJson(entry.decode()),
  });
}
