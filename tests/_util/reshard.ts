import { Redis } from "ioredis";
import { type ReshardOptions, ReshardProxy } from "../../lib/replication/mod.ts";
import { RedisServer, waitFor } from "./redis.ts";

/**
 * A redis-server to replicate from that starts its snapshot transfers at once (Redis 7 waits
 * 5 s for more replicas before a diskless transfer); `diskless: false` saves to disk first.
 */
export function startMaster(
  options: { diskless?: boolean; args?: string[]; rdb?: Uint8Array; password?: string } = {},
): Promise<RedisServer> {
  const diskless = options.diskless ?? true;
  return RedisServer.start({
    rdb: options.rdb,
    password: options.password,
    args: [
      "--repl-diskless-sync",
      diskless ? "yes" : "no",
      "--repl-diskless-sync-delay",
      "0",
      "--enable-debug-command",
      "yes",
      ...(options.args ?? []),
    ],
  });
}

/** A ReshardProxy on a free port in front of `master`; dispose with `await using`. */
export async function startReshard(
  master: RedisServer,
  options: Partial<ReshardOptions> = {},
): Promise<ReshardProxy & AsyncDisposable> {
  const proxy = new ReshardProxy({
    master: { hostname: "127.0.0.1", port: master.port },
    listen: { hostname: "127.0.0.1", port: 0 },
    ...options,
  });
  await proxy.start();
  return Object.assign(proxy, { [Symbol.asyncDispose]: () => proxy.close() });
}

/** A redis-server replicating from `port`; resolves once its link is up and loaded. */
export async function startReplicaOf(port: number): Promise<RedisServer> {
  const replica = await RedisServer.start({ args: ["--enable-debug-command", "yes"] });
  const redis = new Redis({ port: replica.port, host: "127.0.0.1", enableReadyCheck: false });
  redis.on("error", () => {});
  try {
    await redis.call("REPLICAOF", "127.0.0.1", String(port));
    await waitFor(async () => /master_link_status:up/.test(await redis.info("replication")), {
      timeoutMs: 15_000,
      message: "replica did not finish its sync through the proxy",
    });
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
  return replica;
}
