import { freePort, RedisServer } from "../../lib/redis_process/mod.ts";
import { ioredisClient } from "./clients.ts";
import { waitFor } from "./redis.ts";

/**
 * A real redis-sentinel monitoring `master` as `name`, asking clients for `password` when one
 * is given. Dispose with `await using`.
 */
export async function startSentinel(
  master: RedisServer,
  name: string,
  options: { downAfterMs?: number; password?: string } = {},
): Promise<{ port: number; addr: string; output(): string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "remiro-sentinel-" });
  const port = freePort();
  const config = `${dir}/sentinel.conf`;
  await Deno.writeTextFile(
    config,
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      `sentinel monitor ${name} ${master.hostname} ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 500}`,
      `sentinel failover-timeout ${name} 5000`,
      ...(options.password ? [`requirepass ${options.password}`] : []),
      "",
    ].join("\n"),
  );
  const child = new Deno.Command("redis-sentinel", {
    args: [config],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const reading = Promise.all([child.stdout, child.stderr].map(async (stream) => {
    for await (const chunk of stream) output += decoder.decode(chunk);
  }));
  const stop = async () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await child.status;
    await reading;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await waitFor(async () => {
      await using client = ioredisClient(port, { password: options.password });
      const reply = await client.call("SENTINEL", "get-master-addr-by-name", name);
      return Array.isArray(reply) && reply[1] === String(master.port);
    }, { timeoutMs: 10_000, message: "redis-sentinel did not start" });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return {
    port,
    addr: `127.0.0.1:${port}`,
    output: () => output,
    [Symbol.asyncDispose]: stop,
  };
}
