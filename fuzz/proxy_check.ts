import { localServerConfig, startProxy } from "../lib/cli/mod.ts";
import { lookupCommand } from "../lib/commands/mod.ts";
import { RedisServer, sendCommands } from "../lib/redis_process/mod.ts";
import { concatBytes, encodeCommand, ReplyScanner } from "../lib/resp/mod.ts";
import { SUBSCRIBE_COMMANDS } from "../lib/server/subscriber.ts";
import { randomCommand } from "./arguments.ts";
import { Prng } from "./mutate.ts";

/** What the end-to-end check found. */
export interface ProxyCheckResult {
  commands: number;
  replies: number;
  /** Replies that were errors (wrong arity, wrong type, syntax ...). */
  errors: number;
  pingAfter: boolean;
  ms: number;
  failure?: string;
  /** The batch of commands in flight when it failed, as RESP. */
  batch: Uint8Array;
}

const BATCH = 50;
const REPLY_TIMEOUT_MS = 10_000;

/**
 * Commands left out because the answer to them is rightly not one reply now: they block, change
 * the connection's protocol or reply mode, subscribe, close, or reach other hosts. Admin
 * commands would reconfigure or stall the server; SETBIT and friends at offset 2^31 allocate
 * hundreds of MB in redis-server.
 */
const LEFT_OUT = new Set([
  ...SUBSCRIBE_COMMANDS,
  "monitor",
  "quit",
  "reset",
  "hello",
  "client",
  "wait",
  "waitaof",
  "migrate",
  "setbit",
  "setrange",
  "bitfield",
]);

function allowed(args: Uint8Array[]): boolean {
  const spec = lookupCommand(args);
  if (spec === undefined) return true;
  const name = spec.name.split("|")[0];
  return !LEFT_OUT.has(name) && !spec.flags.has("blocking") && !spec.flags.has("admin");
}

/** Reads reply frames off a connection as they come. */
class ReplyReader {
  readonly frames: Uint8Array[] = [];
  closed = false;
  #scanner = new ReplyScanner();
  #wake: (() => void) | undefined;
  readonly done: Promise<void>;

  constructor(conn: Deno.Conn) {
    this.done = this.#loop(conn);
  }

  async #loop(conn: Deno.Conn): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        this.frames.push(...this.#scanner.push(buf.slice(0, n)));
        this.#wake?.();
      }
    } catch {
      // A reset connection ends the stream like a close does.
    } finally {
      this.closed = true;
      this.#wake?.();
    }
  }

  /** Waits until `count` frames arrived; false on timeout or close. */
  async until(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.frames.length < count) {
      if (this.closed) return false;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    return true;
  }
}

const text = new TextDecoder();

/** Keys of every type on the source, for the migration mode to copy as commands touch them. */
const SOURCE_KEYS: readonly string[][] = [
  ["SET", "key:0", "v"],
  ["SET", "key:1", "12"],
  ["RPUSH", "key:2", "a", "b", "c"],
  ["SADD", "key:3", "a", "b"],
  ["ZADD", "key:4", "1", "a", "2", "b"],
  ["HSET", "key:5", "f", "v", "g", "1"],
  ["XADD", "key:6", "*", "f", "v"],
  ["PFADD", "key:7", "a", "b"],
  ["SET", "key:8", "v", "PX", "600000"],
];

/**
 * Sends `commands` random real commands through an in-process proxy over one connection, in
 * pipelined batches: every command must get exactly one reply, and the proxy must still answer
 * PING afterwards. The proxy stands in front of one redis-server, or with `migration` in front
 * of a source holding keys of every type and an empty destination, so that the copy-on-read
 * paths run too.
 */
export async function checkProxy(
  seed: number,
  commands: number,
  migration = false,
): Promise<ProxyCheckResult> {
  const started = performance.now();
  await using destination = await RedisServer.start();
  await using source = migration ? await RedisServer.start() : undefined;
  if (source) await sendCommands(source.hostname, source.port, SOURCE_KEYS);
  await using proxy = startProxy(
    {
      deleteOnGet: false,
      deleteOnSet: false,
      source: source && localServerConfig(source),
      destination: localServerConfig(destination),
    },
    { host: "127.0.0.1", port: 0 },
  );
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  const reader = new ReplyReader(conn);
  const result: ProxyCheckResult = {
    commands: 0,
    replies: 0,
    errors: 0,
    pingAfter: false,
    ms: 0,
    batch: new Uint8Array(0),
  };
  try {
    let sent = 0;
    for (let index = 0; sent < commands;) {
      const batch: Uint8Array[] = [];
      while (batch.length < BATCH && sent + batch.length < commands) {
        const args = randomCommand(
          Prng.forCase(seed + (migration ? 0x6d696772 : 0x70726f78), index++),
        );
        if (allowed(args)) batch.push(encodeCommand(args).slice());
      }
      result.batch = concatBytes(batch);
      await conn.write(result.batch);
      sent += batch.length;
      result.commands = sent;
      if (!(await reader.until(sent, REPLY_TIMEOUT_MS))) {
        result.failure = `${reader.frames.length} replies to ${sent} commands` +
          (reader.closed ? ": connection closed" : ` after ${REPLY_TIMEOUT_MS} ms`);
        return result;
      }
    }
    // A MULTI may still be open: DISCARD answers either way, then PING must answer PONG.
    result.batch = concatBytes([encodeCommand(["DISCARD"]), encodeCommand(["PING"])]);
    await conn.write(result.batch);
    const answered = await reader.until(sent + 2, REPLY_TIMEOUT_MS);
    result.replies = reader.frames.length - 2;
    result.errors = reader.frames.slice(0, sent).filter((frame) => frame[0] === 0x2d).length;
    result.pingAfter = answered && text.decode(reader.frames[sent + 1]) === "+PONG\r\n";
    if (!result.pingAfter) result.failure = "no PONG after the random commands";
    else if (reader.frames.length !== sent + 2) {
      result.failure = `${reader.frames.length - 2} replies to ${sent} commands`;
    }
    return result;
  } finally {
    conn.close();
    await reader.done;
    result.ms = performance.now() - started;
  }
}
