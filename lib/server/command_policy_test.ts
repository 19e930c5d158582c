import assert from "node:assert/strict";
import { refusedCommand } from "./command_policy.ts";

const text = (frame: Uint8Array | undefined) =>
  frame === undefined ? undefined : new TextDecoder().decode(frame);

Deno.test("server-wide commands are refused with the reason", () => {
  assert.equal(
    text(refusedCommand("shutdown", { allowFlush: true })),
    "-ERR 'SHUTDOWN' is not allowed through remiro: it would stop the server for every client\r\n",
  );
  for (const name of ["debug", "replicaof", "slaveof", "failover", "sync", "psync", "module"]) {
    assert.match(text(refusedCommand(name, { allowFlush: true }))!, /not allowed through remiro/);
  }
});

Deno.test("CLUSTER is answered as by a standalone Redis", () => {
  assert.equal(
    text(refusedCommand("cluster", { allowFlush: false })),
    "-ERR This instance has cluster support disabled\r\n",
  );
});

Deno.test("FLUSHDB and FLUSHALL run only when AllowFlush is set", () => {
  assert.match(text(refusedCommand("flushall", { allowFlush: false }))!, /AllowFlush = true/);
  assert.match(text(refusedCommand("flushdb", { allowFlush: false }))!, /^-ERR FLUSHDB/);
  assert.equal(refusedCommand("flushdb", { allowFlush: true }), undefined);
});

Deno.test("data and server-inspection commands are not refused", () => {
  for (const name of ["get", "config", "info", "client", "bgsave", "lastsave", "unknowncmd"]) {
    assert.equal(refusedCommand(name, { allowFlush: false }), undefined, name);
  }
});
