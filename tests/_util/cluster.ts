import { freePort, RedisServer } from "../../lib/redis_process/mod.ts";
import { waitFor } from "./redis.ts";

/** A Redis Cluster of `size` masters (no replicas) on free ports; dispose with `await using`. */
export async function startCluster(size = 3): Promise<{ nodes: RedisServer[] } & AsyncDisposable> {
  const nodes: RedisServer[] = [];
  const dispose = async () => {
    for (const node of nodes) await node.stop();
  };
  try {
    for (let i = 0; i < size; i++) {
      const port = freePort();
      nodes.push(
        await RedisServer.start({
          port,
          args: [
            ...["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`],
            ...["--cluster-node-timeout", "2000", "--enable-debug-command", "yes"],
          ],
        }),
      );
    }
    const create = await new Deno.Command("redis-cli", {
      args: [
        "--cluster",
        "create",
        ...nodes.map((n) => n.addr),
        "--cluster-replicas",
        "0",
        "--cluster-yes",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!create.success) {
      throw new Error(
        new TextDecoder().decode(create.stdout) + new TextDecoder().decode(create.stderr),
      );
    }
    for (const node of nodes) {
      await waitFor(async () => {
        const info = await new Deno.Command("redis-cli", {
          args: ["-p", String(node.port), "CLUSTER", "INFO"],
        }).output();
        return new TextDecoder().decode(info.stdout).includes("cluster_state:ok");
      }, { timeoutMs: 15_000, message: "cluster state ok" });
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return { nodes, [Symbol.asyncDispose]: dispose };
}
