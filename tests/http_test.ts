import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";

integrationTest("/health reports each server, 500 when one is down", async () => {
  await using m = await Migration.start();
  const url = `http://127.0.0.1:${m.proxy.instruPort}/health`;
  const ok = await fetch(url);
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), {
    destinationRedis: { status: "OK" },
    sourceRedis: { status: "OK" },
  });
  await m.source.stop();
  const down = await fetch(url);
  assert.equal(down.status, 500);
  const body = await down.json();
  assert.deepEqual(body.destinationRedis, { status: "OK" });
  assert.equal(body.sourceRedis.status, "Error");
  assert.match(body.sourceRedis.error, /source unavailable/);
});

integrationTest("a plain proxy's /health has only the destination", async () => {
  await using m = await Migration.start({ withSource: false });
  const response = await fetch(`http://127.0.0.1:${m.proxy.instruPort}/health`);
  assert.deepEqual(await response.json(), { destinationRedis: { status: "OK" } });
});

integrationTest("/metrics counts commands per target, latency, copies and clients", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using client = m.client();
  await src.set("k", "v");
  await client.get("k");
  await client.set("x", "1");
  await assert.rejects(client.call("NOSUCHCOMMAND"), /unknown command/);
  const text = await (await fetch(`http://127.0.0.1:${m.proxy.instruPort}/metrics`)).text();
  assert.match(text, /remiro_command_count\{target="destination",command="get"\} 1/);
  assert.match(text, /remiro_command_count\{target="source",command="dump"\} 1/);
  assert.match(text, /remiro_command_count\{target="destination",command="restore"\} 1/);
  assert.match(text, /remiro_command_count\{target="destination",command="other"\} 1/);
  assert.match(text, /remiro_request_latency_count\{command="get"\} 1/);
  assert.match(text, /remiro_keys_copied_total 1/);
  assert.match(text, /remiro_client_connections 1/);
});
