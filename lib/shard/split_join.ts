import type { KeyRef } from "../commands/mod.ts";
import {
  decodeReply,
  encodeArray,
  encodeError,
  encodeInteger,
  encodeReply,
  integerValue,
  isErrorFrame,
  OK,
  type Reply,
} from "../resp/mod.ts";

/** Redis Cluster's refusal of a command whose keys are in different slots. */
export const CROSSSLOT = encodeError("CROSSSLOT Keys in request don't hash to the same slot");

/**
 * Multi-key commands that are the sum of the same command on each key, and so can run as one
 * command per shard: the arguments each key brings (MSET: key and value), and how the
 * shards' replies make the client's.
 */
const SPLITTABLE: ReadonlyMap<string, { width: number; join: "array" | "ok" | "sum" }> = new Map([
  ["mget", { width: 1, join: "array" }],
  ["mset", { width: 2, join: "ok" }],
  ["del", { width: 1, join: "sum" }],
  ["unlink", { width: 1, join: "sum" }],
  ["exists", { width: 1, join: "sum" }],
  ["touch", { width: 1, join: "sum" }],
]);

/** One shard's part of a split command. */
export interface Part {
  shard: number;
  args: Uint8Array[];
  /** Positions of its keys among the command's keys, for joining MGET's replies. */
  positions: number[];
}

/** A command that can be split, cut per shard; undefined for other commands. */
export function splitCommand(
  name: string,
  args: Uint8Array[],
  keys: readonly KeyRef[],
  shards: readonly number[],
): Part[] | undefined {
  const rule = SPLITTABLE.get(name);
  if (rule === undefined) return undefined;
  const parts = new Map<number, Part>();
  keys.forEach((ref, position) => {
    const shard = shards[position];
    let part = parts.get(shard);
    if (part === undefined) {
      part = { shard, args: [args[0]], positions: [] };
      parts.set(shard, part);
    }
    part.positions.push(position);
    for (let i = 0; i < rule.width; i++) part.args.push(args[ref.index + i]);
  });
  return [...parts.values()];
}

/** The client's reply from the replies of the parts, in key order. */
export function joinReplies(
  name: string,
  parts: readonly Part[],
  replies: readonly Uint8Array[],
  protocol: 2 | 3,
): Uint8Array {
  const refused = replies.find(isErrorFrame);
  if (refused) return refused;
  const join = SPLITTABLE.get(name)!.join;
  if (join === "ok") return OK;
  if (join === "sum") return encodeInteger(replies.reduce((n, r) => n + (integerValue(r) ?? 0), 0));
  const total = parts.reduce((n, p) => n + p.positions.length, 0);
  const values: Uint8Array[] = new Array(total);
  parts.forEach((part, i) => {
    const reply: Reply = decodeReply(replies[i]);
    if (reply.type !== "array") throw new TypeError(`Cannot join ${name}: got a ${reply.type}`);
    part.positions.forEach((position, j) => {
      values[position] = encodeReply(reply.value[j], protocol);
    });
  });
  return encodeArray(values);
}
