import assert from "node:assert/strict";
import { EntryPacker, unpackEntries, type WireEntry } from "./wire.ts";

Deno.test("EntryPacker: entries come back as they went in, across growth of its buffers", () => {
  const entries: WireEntry[] = Array.from({ length: 3000 }, (_, i) => ({
    db: i % 3,
    key: new TextEncoder().encode(`key:${i}`),
    type: i % 2 ? 0 : undefined,
    payload: i % 2 ? new Uint8Array(i % 500 === 1 ? 100_000 : 5).fill(i & 0xff) : undefined,
    expiresAt: i % 5 ? undefined : 1_700_000_000_000 + i,
    command: i % 2 ? undefined : "DEL",
    source: i % 2 ? "snapshot" : "stream",
  }));
  const packer = new EntryPacker(16, 4);
  for (const entry of entries.slice(0, 10)) packer.add(entry);
  packer.take();
  for (const entry of entries) packer.add(entry);
  assert.equal(packer.count, entries.length);
  const packed = packer.take();
  assert.equal(packer.count, 0);
  assert.deepEqual(
    unpackEntries(packed),
    entries.map((entry) => ({ ...entry, payload: entry.payload, command: entry.command })),
  );
});
