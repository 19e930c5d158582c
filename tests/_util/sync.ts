import { KeySelector } from "../../lib/rdb/mod.ts";
import { RedisServer } from "../../lib/redis_process/mod.ts";
import {
  parseRedisUri,
  type ReplicateOptions,
  Replicator,
  SyncClient,
  verifyDatabases,
  type VerifyReport,
} from "../../lib/sync/mod.ts";

export const uriOf = (server: RedisServer, db = 0) =>
  parseRedisUri(`redis://127.0.0.1:${server.port}/${db}`);

/** A Replicator between two servers with test defaults; dispose with `using`. */
export async function replicator(
  source: RedisServer,
  target: RedisServer,
  options: Partial<ReplicateOptions> = {},
): Promise<Replicator & Disposable> {
  const instance = await Replicator.open({
    source: uriOf(source),
    target: uriOf(target),
    mode: "snapshot",
    liveSource: "notifications",
    selector: new KeySelector(),
    batch: 50,
    threads: 4,
    enableNotifications: false,
    log: () => {},
    ...options,
  });
  return Object.assign(instance, { [Symbol.dispose]: () => instance.close() });
}

/** `remiro verify` between two servers, in process. */
export async function verify(
  source: RedisServer,
  target: RedisServer,
  ttlToleranceMs = 100,
): Promise<VerifyReport> {
  const a = await SyncClient.open(uriOf(source), { name: "source" });
  const b = await SyncClient.open(uriOf(target), { name: "target" });
  try {
    return await verifyDatabases(a, b, { selector: new KeySelector(), ttlToleranceMs });
  } finally {
    a.close();
    b.close();
  }
}
