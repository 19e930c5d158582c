import assert from "node:assert/strict";
import { Metrics } from "../http/mod.ts";
import { ReplyQueue } from "./reply_queue.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** A connected pair of loopback sockets: the queue writes to one, the test reads the other. */
async function socketPair(): Promise<{ server: Deno.Conn; client: Deno.Conn }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await listener.accept();
  listener.close();
  return { server, client };
}

async function readText(conn: Deno.Conn, length: number): Promise<string> {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = await conn.read(out.subarray(got));
    if (n === null) break;
    got += n;
  }
  return new TextDecoder().decode(out.subarray(0, got));
}

Deno.test("ReplyQueue writes replies in request order, whatever order they arrive in", async () => {
  const { server, client } = await socketPair();
  const queue = new ReplyQueue(server, new Metrics(new Set(["get"])), 100, () => {});
  const onError = (error: unknown) => text(`-ERR ${(error as Error).message}\r\n`);
  const first = queue.pending("get", 0, false, onError);
  queue.pushPending(first);
  const second = queue.pending("get", 0, false, onError);
  queue.pushPending(second);
  queue.push(text("+third\r\n"), "get", 0);
  second.resolve(text("+second\r\n"));
  // A frame delivered twice (a late failure after the reply) is ignored.
  second.reject(new Error("too late"));
  first.resolve(text("+first\r\n"));
  await queue.flushed();
  assert.equal(await readText(client, 25), "+first\r\n+second\r\n+third\r\n");
  queue.close();
  server.close();
  client.close();
});

Deno.test("ReplyQueue: a reply known before its place is queued is written in that place", async () => {
  const { server, client } = await socketPair();
  const queue = new ReplyQueue(server, new Metrics(new Set(["get"])), 100, () => {});
  const earlier = queue.pending("get", 0, false, () => text("-ERR\r\n"));
  queue.pushPending(earlier);
  // As when a send fails at once: the error frame comes before pushPending.
  const failed = queue.pending("get", 0, false, (error) => text(`-ERR ${error}\r\n`));
  failed.reject("down");
  queue.pushPending(failed);
  assert.equal(queue.busy, true, "the earlier reply is still to come");
  earlier.resolve(text("+ok\r\n"));
  await queue.settled();
  await queue.flushed();
  assert.equal(await readText(client, 16), "+ok\r\n-ERR down\r\n");
  assert.equal(queue.busy, false);
  queue.close();
  server.close();
  client.close();
});
