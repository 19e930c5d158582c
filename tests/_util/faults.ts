/**
 * Shared pieces of the fault-injection tests: config text, results lines, memory checks and
 * a redis-server whose acknowledged writes survive kill -9.
 *
 * @module
 */
import assert from "node:assert/strict";
import { RedisServer, waitFor } from "./redis.ts";
import { mb, type RemiroProcess } from "./remiro_process.ts";

export const encoder = new TextEncoder();
/** Memory may stay this far above the baseline once a fault is over. */
export const SLACK_MB = 30;
export const MB = 1024 * 1024;

/** A config file's text: top-level keys, an optional [Source], and [Destination] keys. */
export function toml(
  destination: string,
  options: { source?: string; top?: string; dest?: string },
) {
  return (options.top ?? "") +
    (options.source ? `[Source]\nAddr = "${options.source}"\n` : "") +
    `[Destination]\nAddr = "${destination}"\n${options.dest ?? ""}`;
}

/** One row of the results table: case | outcome | RSS before | RSS after. */
export function report(name: string, outcome: string, before: number, after: number): void {
  console.log(`faults: ${name} | ${outcome} | ${mb(before)} | ${mb(after)}`);
}

/** Waits for the RSS to come back near `baseline` and fails the test if it does not. */
export async function settle(proxy: RemiroProcess, baseline: number): Promise<number> {
  const after = await proxy.settledRss(baseline, SLACK_MB);
  assert.ok(after < baseline + SLACK_MB * MB, `RSS ${mb(after)} after, ${mb(baseline)} before`);
  return after;
}

/** A redis-server that keeps every acknowledged write on disk across a kill -9. */
export async function durableRedis(): Promise<{ server: RedisServer; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "remiro-aof-" });
  const server = await RedisServer.start({
    args: ["--dir", dir, "--appendonly", "yes", "--appendfsync", "always"],
  });
  return { server, dir };
}

/** Keeps asking until the upstream is back (a restarted server, a reconnecting pool). */
export async function whenBack<T>(attempt: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  await waitFor(async () => {
    result = await attempt();
    return true;
  }, { timeoutMs: 10_000, message: "the upstream never came back" });
  return result!;
}

/** The replies, or a throw when one is an error (for whenBack). */
export function ok(replies: string[]): string[] {
  const error = replies.find((r) => r.startsWith("-"));
  if (error) throw new Error(error);
  return replies;
}

/** Everything the server sends until it closes the connection. */
export async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: number[] = [];
  const buffer = new Uint8Array(4096);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    parts.push(...buffer.subarray(0, n));
  }
  conn.close();
  return new Uint8Array(parts);
}
