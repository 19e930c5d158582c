import { Redis } from "ioredis";

/**
 * `DEBUG DIGEST-VALUE` of every key in databases 0-15, by "db/key" (key in latin1), with the
 * key's absolute expiry appended when it has one; keys `keep` rejects are left out. The server
 * needs `--enable-debug-command yes`.
 */
export async function digests(
  port: number,
  keep: (key: Buffer) => boolean = () => true,
): Promise<Map<string, string>> {
  const redis = new Redis({ port, host: "127.0.0.1", lazyConnect: true, enableReadyCheck: false });
  redis.on("error", () => {});
  await redis.connect();
  try {
    const out = new Map<string, string>();
    for (let db = 0; db < 16; db++) {
      await redis.select(db);
      for (const key of await redis.keysBuffer("*")) {
        if (!keep(key)) continue;
        const [digest] = (await redis.call("DEBUG", "DIGEST-VALUE", key)) as string[];
        const expiry = Number(await redis.call("PEXPIRETIME", key));
        out.set(
          `${db}/${key.toString("latin1")}`,
          expiry > 0 ? `${digest} expires ${expiry}` : digest,
        );
      }
    }
    return out;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
