import {
  decodeReply,
  encodeArray,
  encodeBulk,
  encodeError,
  encodeInteger,
  encodeReply,
  integerValue,
  isErrorFrame,
  type Reply,
} from "../resp/mod.ts";

/** Runs a command on one node; the router sends it through the node's own router. */
export type NodeRun = (node: number, args: Uint8Array[]) => Promise<Uint8Array>;

/** Commands that concern every node's keyspace, answered from all of them. */
export const FAN_OUT_COMMANDS: ReadonlySet<string> = new Set([
  "dbsize",
  "keys",
  "scan",
  "randomkey",
  "flushdb",
  "flushall",
  "script|load",
  "script|flush",
  "function|load",
  "function|delete",
  "function|flush",
  "function|restore",
]);

const text = new TextDecoder();
const encoder = new TextEncoder();

/** Answers a command of {@linkcode FAN_OUT_COMMANDS} from `count` nodes. */
export function fanOut(
  name: string,
  args: Uint8Array[],
  count: number,
  run: NodeRun,
  protocol: 2 | 3,
): Promise<Uint8Array> {
  const all = () => Promise.all(Array.from({ length: count }, (_, node) => run(node, args)));
  switch (name) {
    case "dbsize":
      return all().then((replies) =>
        replies.find(isErrorFrame) ??
          encodeInteger(replies.reduce((n, r) => n + (integerValue(r) ?? 0), 0))
      );
    case "keys":
      // In a migration into the nodes each node answers for itself and the source: a key
      // still only on the source comes from every node, and is listed once.
      return all().then((replies) =>
        replies.find(isErrorFrame) ??
          encodeArray(distinctFrames(replies.flatMap((r) => elements(decodeReply(r), protocol))))
      );
    case "scan":
      return scan(args, count, run, protocol);
    case "randomkey":
      return randomKey(args, count, run);
    default:
      // Every node must have the same scripts and functions, and be flushed alike: the first
      // refusal, else the first node's reply.
      return all().then((replies) => replies.find(isErrorFrame) ?? replies[0]);
  }
}

const latin1 = new TextDecoder("latin1");

function distinctFrames(frames: Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return frames.filter((frame) => {
    const id = latin1.decode(frame);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function elements(reply: Reply, protocol: 2 | 3): Uint8Array[] {
  if (reply.type !== "array" && reply.type !== "set") return [];
  return reply.value.map((item) => encodeReply(item, protocol));
}

/**
 * SCAN walks the nodes one after the other. The client's cursor is one decimal number,
 * `c * N + i` for cursor `c` on node `i` of `N`: 0 starts on node 0, and when node `i` has
 * finished the next cursor is `i + 1` (cursor 0 on the next node), until the last node ends the
 * scan with 0. The cursor is only valid for the node list it was made with.
 */
async function scan(
  args: Uint8Array[],
  count: number,
  run: NodeRun,
  protocol: 2 | 3,
): Promise<Uint8Array> {
  const cursorText = text.decode(args[1]);
  if (!/^\d+$/.test(cursorText)) return encodeError("ERR invalid cursor");
  const combined = BigInt(cursorText);
  const nodes = BigInt(count);
  const node = Number(combined % nodes);
  const nodeCursor = encoder.encode(`${combined / nodes}`);
  const page = await run(node, [args[0], nodeCursor, ...args.slice(2)]);
  if (isErrorFrame(page)) return page;
  const reply = decodeReply(page);
  if (reply.type !== "array" || reply.value.length !== 2 || reply.value[0].type !== "bulk") {
    return page;
  }
  const next = BigInt(text.decode(reply.value[0].value));
  let cursor: bigint;
  if (next !== 0n) cursor = next * nodes + BigInt(node);
  else cursor = node + 1 < count ? BigInt(node + 1) : 0n;
  return encodeArray([encodeBulk(`${cursor}`), encodeReply(reply.value[1], protocol)]);
}

/** A key from a random non-empty node. */
async function randomKey(args: Uint8Array[], count: number, run: NodeRun): Promise<Uint8Array> {
  const order = Array.from({ length: count }, (_, node) => node);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let last: Uint8Array | undefined;
  for (const node of order) {
    last = await run(node, args);
    if (isErrorFrame(last) || decodeReply(last).type === "bulk") return last;
  }
  return last!;
}
