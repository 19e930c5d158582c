import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";

const MB = 1024 * 1024;

function pattern(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 997) bytes[i] = (i + seed) % 256;
  return bytes;
}

integrationTest("large values pass through and migrate intact", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await using client = m.client();
  const written = pattern(20 * MB, 1);
  assert.equal(await client.set("big:written", written), "OK");
  assert.ok((await dst.getBuffer("big:written"))?.equals(written), "stored intact");
  assert.ok((await client.getBuffer("big:written"))?.equals(written), "read back intact");
  const migrated = pattern(12 * MB, 2);
  await src.set("big:migrated", migrated, "EX", 600);
  assert.ok((await client.getBuffer("big:migrated"))?.equals(migrated), "served from the source");
  assert.ok((await dst.getBuffer("big:migrated"))?.equals(migrated), "copied intact");
  assert.ok((await dst.ttl("big:migrated")) > 590, "with its TTL");
  await src.rpush("big:list", ...Array.from({ length: 20 }, (_, i) => pattern(256 * 1024, i)));
  assert.equal(await client.llen("big:list"), 20);
  assert.ok((await dst.lindexBuffer("big:list", 19))?.equals(pattern(256 * 1024, 19)));
});
