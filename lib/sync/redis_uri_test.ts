import assert from "node:assert/strict";
import { parseRedisUri, RedisUriError } from "./redis_uri.ts";

Deno.test("parseRedisUri reads host, port, db, user, password and TLS", () => {
  assert.deepEqual(parseRedisUri("redis://localhost"), {
    addr: { hostname: "localhost", port: 6379 },
    addrText: "localhost:6379",
    username: undefined,
    password: undefined,
    db: 0,
    tls: undefined,
  });
  const full = parseRedisUri("rediss://app:p%40ss@10.0.0.1:6380/3");
  assert.deepEqual([full.username, full.password, full.db, full.tls, full.addrText], [
    "app",
    "p@ss",
    3,
    {},
    "10.0.0.1:6380",
  ]);
  assert.equal(parseRedisUri("redis://:secret@h").password, "secret");
  assert.equal(parseRedisUri("redis://:secret@h").username, undefined);
  assert.throws(() => parseRedisUri("http://h"), RedisUriError);
  assert.throws(() => parseRedisUri("redis://h/x"), /not a number/);
  assert.throws(() => parseRedisUri("nonsense"), /not a Redis URI/);
});
