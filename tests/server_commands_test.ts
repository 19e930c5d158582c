/**
 * Server-wide commands: refused, answered by the proxy, or passed through, one documented
 * policy each (README, "Commands").
 */
import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";
import { RawConnection } from "./_util/raw_connection.ts";

for (const withSource of [false, true]) {
  const mode = withSource ? "migration" : "plain";

  integrationTest(`${mode}: commands that would take over the server are refused`, async () => {
    await using m = await Migration.start({ withSource });
    await using conn = await RawConnection.open(m.proxy.port);
    const replies = await conn.call(
      ["DEBUG", "SLEEP", "0"],
      ["SHUTDOWN", "NOSAVE"],
      ["REPLICAOF", "127.0.0.1", "1"],
      ["CLUSTER", "INFO"],
      ["FLUSHALL"],
      ["FLUSHDB"],
      ["PING"],
    );
    assert.match(replies[0], /^-ERR 'DEBUG' is not allowed through remiro/);
    assert.match(replies[1], /^-ERR 'SHUTDOWN' is not allowed through remiro/);
    assert.match(replies[2], /^-ERR 'REPLICAOF' is not allowed through remiro/);
    assert.equal(replies[3], "-ERR This instance has cluster support disabled\r\n");
    assert.match(replies[4], /^-ERR FLUSHALL is disabled in remiro \(set AllowFlush = true/);
    assert.match(replies[5], /^-ERR FLUSHDB is disabled/);
    assert.equal(replies[6], "+PONG\r\n", "the servers are still up");
  });

  integrationTest(`${mode}: CONFIG, INFO and friends pass through to the destination`, async () => {
    await using m = await Migration.start({ withSource });
    await using conn = await RawConnection.open(m.proxy.port);
    const [config, info] = await conn.call(["CONFIG", "GET", "port"], ["INFO", "server"]);
    assert.ok(config.includes(`${m.destination.port}`), "the destination's own config");
    assert.ok(info.includes(`tcp_port:${m.destination.port}`));
  });
}

integrationTest("migration: FLUSHALL with AllowFlush empties both servers", async () => {
  await using m = await Migration.start({ allowFlush: true });
  await using src = m.sourceClient();
  await using client = m.client();
  await src.set("old", "1");
  await client.set("new", "2");
  assert.equal(await client.flushall(), "OK");
  assert.equal(await client.get("old"), null, "nothing comes back from the source");
  assert.equal(await src.dbsize(), 0);
  assert.equal(await client.get("new"), null);
});

integrationTest("AllowFlush takes effect on reload, both ways", async () => {
  await using m = await Migration.start({ withSource: false });
  await using client = m.client();
  await client.set("k", "1");
  await m.proxy.reload({ ...m.config, allowFlush: true });
  assert.equal(await client.flushdb(), "OK");
  assert.equal(await client.get("k"), null);
  await client.set("k", "2");
  await m.proxy.reload({ ...m.config, allowFlush: false });
  await assert.rejects(client.flushdb(), /FLUSHDB is disabled/);
  assert.equal(await client.get("k"), "2");
});
