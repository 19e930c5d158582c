import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";

integrationTest("with a Password every command needs AUTH first", async () => {
  await using m = await Migration.start({ password: "s3cret" });
  await using anonymous = m.client();
  await assert.rejects(anonymous.get("k"), /NOAUTH Authentication required/);
  assert.equal(await anonymous.ping(), "PONG");
  await assert.rejects(anonymous.call("AUTH", "wrong"), /WRONGPASS/);
  await assert.rejects(anonymous.call("AUTH", "admin", "s3cret"), /WRONGPASS/);
  assert.equal(await anonymous.call("AUTH", "s3cret"), "OK");
  assert.equal(await anonymous.set("k", "v"), "OK");
  await using user = m.client();
  assert.equal(await user.call("AUTH", "default", "s3cret"), "OK");
  assert.equal(await user.get("k"), "v");
  await using configured = m.client({ password: "s3cret" });
  assert.equal(await configured.get("k"), "v");
});

integrationTest("AUTH without a configured Password is refused like Redis does", async () => {
  await using m = await Migration.start();
  await using client = m.client();
  await assert.rejects(client.call("AUTH", "x"), /without any password configured/);
  assert.equal(await client.set("k", "v"), "OK");
});

integrationTest("the proxy authenticates to password-protected upstreams", async () => {
  const { RedisServer } = await import("../lib/redis_process/mod.ts");
  const { localServerConfig, startProxy } = await import("../lib/cli/mod.ts");
  const { ioredisClient } = await import("./_util/clients.ts");
  await using source = await RedisServer.start({ password: "src-pw" });
  await using destination = await RedisServer.start({ password: "dst-pw" });
  await using proxy = startProxy({
    deleteOnGet: false,
    deleteOnSet: false,
    source: localServerConfig(source, { password: "src-pw" }),
    destination: localServerConfig(destination, { password: "dst-pw" }),
  }, { host: "127.0.0.1", port: 0 });
  await using src = ioredisClient(source.port, { password: "src-pw" });
  await src.set("k", "v");
  await using client = ioredisClient(proxy.port);
  assert.equal(await client.get("k"), "v");
});
