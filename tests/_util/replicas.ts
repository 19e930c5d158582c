import { RedisServer } from "../../lib/redis_process/mod.ts";
import { ioredisClient } from "./clients.ts";
import { waitFor } from "./redis.ts";

/** `INFO replication` of a server as a map of its fields. */
export async function replicationInfo(server: RedisServer): Promise<Map<string, string>> {
  await using client = ioredisClient(server.port);
  const text = await client.info("replication");
  return new Map(
    text.split(/\r?\n/).filter((l) => l.includes(":")).map((l) => {
      const colon = l.indexOf(":");
      return [l.slice(0, colon), l.slice(colon + 1)] as [string, string];
    }),
  );
}

/** Waits until `replica` replicates from `master` with its link up. */
export async function waitForReplica(replica: RedisServer, master: RedisServer): Promise<void> {
  await waitFor(async () => {
    const info = await replicationInfo(replica);
    return info.get("role") === "slave" && info.get("master_port") === String(master.port) &&
      info.get("master_link_status") === "up";
  }, { timeoutMs: 15_000, message: `${replica.addr} never replicated from ${master.addr}` });
}

/** A master and `count` replicas of it, each linked up. Dispose with `await using`. */
export async function startReplicated(
  count: number,
): Promise<{ master: RedisServer; replicas: RedisServer[] } & AsyncDisposable> {
  const master = await RedisServer.start();
  const replicas = await Promise.all(
    Array.from(
      { length: count },
      () => RedisServer.start({ args: ["--replicaof", master.hostname, String(master.port)] }),
    ),
  );
  await Promise.all(replicas.map((replica) => waitForReplica(replica, master)));
  return {
    master,
    replicas,
    async [Symbol.asyncDispose]() {
      await Promise.all([master, ...replicas].map((server) => server.stop()));
    },
  };
}

/** `INFO commandstats` calls of one command. */
export async function commandCalls(server: RedisServer, command: string): Promise<number> {
  await using client = ioredisClient(server.port);
  const text = await client.info("commandstats");
  return Number(text.match(new RegExp(`cmdstat_${command}:calls=(\\d+)`))?.[1] ?? 0);
}
