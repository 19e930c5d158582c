/**
 * Redis clients for integration tests: ioredis, a real client library, and the redis-cli
 * binary, so tests check the proxy against what users actually run.
 *
 * @module
 */
import { Redis } from "ioredis";

/** Options of {@linkcode ioredisClient}. */
export interface IoredisClientOptions {
  password?: string;
  db?: number;
}

/**
 * An ioredis client of 127.0.0.1:`port` that fails fast instead of retrying: one attempt per
 * command and no reconnecting. Dispose with `await using`.
 */
export function ioredisClient(
  port: number,
  options: IoredisClientOptions = {},
): Redis & AsyncDisposable {
  const client = new Redis({
    host: "127.0.0.1",
    port,
    password: options.password,
    db: options.db ?? 0,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
    retryStrategy: () => null,
    // The ready check sends INFO, which a server with a password refuses before AUTH; ioredis
    // would then drop the connection, so tests of unauthenticated clients could not run.
    enableReadyCheck: false,
  });
  // Failed commands reject on their own; without a listener ioredis would also print each
  // connection error as "Unhandled error event".
  client.on("error", () => {});
  return Object.assign(client, {
    async [Symbol.asyncDispose]() {
      if (client.status === "end") return;
      try {
        await client.quit();
      } catch {
        // The connection is already broken, e.g. the server was stopped.
        client.disconnect();
      }
    },
  });
}

/** What {@linkcode redisCli} ran into. */
export interface RedisCliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `redis-cli -h 127.0.0.1 -p port ...args`, with `stdin` piped in when given (redis-cli
 * then reads commands from it, or the last argument with `-x`).
 */
export async function redisCli(
  port: number,
  args: string[],
  options: { password?: string; stdin?: string } = {},
): Promise<RedisCliResult> {
  const auth = options.password === undefined ? [] : ["--no-auth-warning", "-a", options.password];
  const child = new Deno.Command("redis-cli", {
    args: ["-h", "127.0.0.1", "-p", `${port}`, ...auth, ...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}
