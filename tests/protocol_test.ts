import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";
import { RawConnection } from "./_util/raw_connection.ts";
import { redisCli } from "./_util/clients.ts";

async function exchange(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(request));
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(65536);
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) break;
    chunks.push(buffer.slice(0, n));
  }
  conn.close();
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
}

integrationTest("malformed RESP gets a protocol error and closes only that client", async () => {
  await using m = await Migration.start();
  await using other = m.client();
  await other.set("k", "v");
  const reply = await exchange(m.proxy.port, "*1\r\n$4\r\nPING\r\n*x\r\n");
  assert.equal(reply, "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n");
  assert.equal(await other.get("k"), "v");
  assert.equal(await m.metric("remiro_protocol_errors_total"), 1);
});

integrationTest("inline commands and QUIT work like Redis", async () => {
  await using m = await Migration.start({ withSource: false });
  const reply = await exchange(
    m.proxy.port,
    'SET greeting "hello world"\r\nGET greeting\r\nQUIT\r\n',
  );
  assert.equal(reply, "+OK\r\n$11\r\nhello world\r\n+OK\r\n");
});

integrationTest("redis-cli works through the proxy", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await src.set("k", "from source");
  const get = await redisCli(m.proxy.port, ["GET", "k"]);
  assert.equal(get.stdout.trim(), "from source");
  const piped = await redisCli(m.proxy.port, [], { stdin: "SET a 1\nINCR a\nGET a\n" });
  assert.deepEqual(piped.stdout.trim().split("\n"), ["OK", "2", "2"]);
});

integrationTest("unknown commands and wrong arity get Redis's own errors", async () => {
  await using m = await Migration.start();
  await using client = m.client();
  await assert.rejects(client.call("NOSUCHCOMMAND", "a"), /ERR unknown command 'NOSUCHCOMMAND'/);
  await assert.rejects(client.call("GET"), /ERR wrong number of arguments for 'get' command/);
  assert.equal(await client.echo("still here"), "still here");
});

integrationTest("SELECT is per client and never leaks to another client", async () => {
  await using m = await Migration.start();
  await using src = m.sourceClient();
  await using dst = m.destinationClient();
  await src.select(3);
  await src.set("k", "db3 on source");
  await using one = m.client();
  await using three = m.client({ db: 3 });
  assert.equal(await three.get("k"), "db3 on source");
  assert.equal(await one.get("k"), null);
  await one.set("k", "db0");
  assert.equal(await three.get("k"), "db3 on source");
  await dst.select(3);
  assert.equal(await dst.get("k"), "db3 on source", "copied into the same db");
  await assert.rejects(one.select(100000), /ERR DB index is out of range/);
  assert.equal(await one.get("k"), "db0", "a failed SELECT keeps the db");
});

integrationTest("blocking commands do not stall other clients", async () => {
  await using m = await Migration.start({ withSource: false });
  await using blocked = m.client();
  await using other = m.client();
  const popped = blocked.blpop("queue", 5);
  for (let i = 0; i < 20; i++) assert.equal(await other.incr("n"), i + 1);
  await other.rpush("queue", "job");
  assert.deepEqual(await popped, ["queue", "job"]);
});

integrationTest("a pipeline of thousands of commands in one write keeps order", async () => {
  await using m = await Migration.start({ withSource: false });
  const count = 10_000;
  let request = "";
  for (let i = 0; i < count; i++) request += `*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n`;
  request += "*1\r\n$4\r\nQUIT\r\n";
  const reply = await exchange(m.proxy.port, request);
  const lines = reply.split("\r\n").filter((l) => l.length > 0);
  assert.equal(lines.length, count + 1);
  lines.slice(0, count).forEach((line, i) => assert.equal(line, `:${i + 1}`));
});

integrationTest(
  "a command pipelined right after SELECT runs in the selected database",
  async () => {
    await using m = await Migration.start({ withSource: false });
    await using conn = await RawConnection.open(m.proxy.port);
    await using dst = m.destinationClient();
    assert.deepEqual(
      await conn.call(["SELECT", "2"], ["SET", "k", "db2"], ["SELECT", "99999"], [
        "GET",
        "k",
      ]),
      ["+OK\r\n", "+OK\r\n", "-ERR DB index is out of range\r\n", "$3\r\ndb2\r\n"],
    );
    await dst.select(2);
    assert.equal(await dst.get("k"), "db2");
  },
);
