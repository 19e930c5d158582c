import assert from "node:assert/strict";
import { encodeError, QUEUED } from "../resp/mod.ts";
import type { Redirection, Router, Target } from "../route/mod.ts";
import { ClusterTransactionLog } from "./transaction_replay.ts";

const latin1 = new TextDecoder("latin1");
const text = (frame: Uint8Array) => latin1.decode(frame);
const MOVED = encodeError("MOVED 866 127.0.0.1:7001");
const elsewhere = { target: {} as Target, asking: false };
const from = {} as Target;

/** A router that reads every MOVED as a redirection to `elsewhere`, and cannot send. */
const router = {
  redirection: (reply: Uint8Array): Redirection | undefined =>
    text(reply).startsWith("-MOVED") ? elsewhere : undefined,
} as unknown as Router;

Deno.test("ClusterTransactionLog answers a redirected queued command QUEUED", async () => {
  const log = new ClusterTransactionLog();
  assert.equal(text(await log.follow(Promise.resolve(QUEUED), router, from, true)), "+QUEUED\r\n");
  assert.equal(log.redirection, undefined);
  assert.equal(text(await log.follow(Promise.resolve(MOVED), router, from, true)), "+QUEUED\r\n");
  assert.equal(log.redirection, elsewhere);
});

Deno.test("ClusterTransactionLog passes a redirection on after WATCH", async () => {
  const log = new ClusterTransactionLog();
  log.watched = true;
  assert.equal(await log.follow(Promise.resolve(MOVED), router, from, true), MOVED);
  assert.equal(log.redirection, undefined);
});

Deno.test("ClusterTransactionLog never runs again a transaction whose EXEC ran", async () => {
  const log = new ClusterTransactionLog();
  await log.follow(Promise.resolve(MOVED), router, from, true);
  // Whatever EXEC answered, unless the node refused it (EXECABORT), is the transaction's reply.
  for (const reply of ["*1\r\n+OK\r\n", "*-1\r\n", "-ERR something else\r\n"]) {
    const frame = new TextEncoder().encode(reply);
    assert.equal(await log.settle(Promise.resolve(frame), router, 0, 2), frame);
  }
});

Deno.test("ClusterTransactionLog refuses a transaction split by a slot migration", async () => {
  const log = new ClusterTransactionLog();
  const ask = (reply: Uint8Array) =>
    text(reply).startsWith("-ASK") ? { ...elsewhere, asking: true } : undefined;
  const asking = { redirection: ask } as unknown as Router;
  // One key still on the migrating node, the other already moved: no node has both.
  await log.follow(Promise.resolve(QUEUED), asking, from, true);
  await log.follow(Promise.resolve(encodeError("ASK 866 127.0.0.1:7001")), asking, from, true);
  const execAbort = encodeError("EXECABORT Transaction discarded because of previous errors.");
  const reply = await log.settle(Promise.resolve(execAbort), asking, 0, 2);
  assert.match(text(reply), /^-TRYAGAIN /);
});
