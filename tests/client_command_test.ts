/** CLIENT subcommands answer about the clients of the proxy, never its upstream connections. */
import assert from "node:assert/strict";
import { integrationTest } from "./_util/integration.ts";
import { Migration } from "./_util/proxy.ts";
import { RawConnection } from "./_util/raw_connection.ts";

integrationTest("CLIENT ID, SETNAME, INFO and LIST describe the proxy's clients", async () => {
  await using m = await Migration.start();
  await using a = await RawConnection.open(m.proxy.port);
  await using b = await RawConnection.open(m.proxy.port);
  const [idA] = await a.call(["CLIENT", "ID"]);
  const [idB] = await b.call(["CLIENT", "ID"]);
  assert.notEqual(idA, idB);
  assert.deepEqual(await a.call(["CLIENT", "SETNAME", "worker-a"], ["CLIENT", "GETNAME"]), [
    "+OK\r\n",
    "$8\r\nworker-a\r\n",
  ]);
  assert.match((await a.call(["CLIENT", "SETNAME", "has space"]))[0], /cannot contain spaces/);
  const [info] = await a.call(["SELECT", "3"], ["CLIENT", "INFO"]).then((r) => r.slice(1));
  assert.match(info, new RegExp(`id=${idA.slice(1, -2)} addr=127\\.0\\.0\\.1:\\d+ `));
  assert.match(info, / name=worker-a .* db=3 .* cmd=client\|info user=default redir=-1 resp=2\n/);
  const [list] = await b.call(["CLIENT", "LIST"]);
  assert.equal(list.match(/\nid=|^\$\d+\r\nid=/g)?.length, 2, "two clients, one line each");
  assert.match(list, /name=worker-a/);
  const [onlyB] = await a.call(["CLIENT", "LIST", "ID", idB.slice(1, -2)]);
  assert.doesNotMatch(onlyB, /worker-a/);
  await b.call(["HELLO", "3"]);
  assert.deepEqual(await b.call(["CLIENT", "GETNAME"]), ["_\r\n"], "RESP3 null");
});

integrationTest("CLIENT KILL closes other clients of the proxy", async () => {
  await using m = await Migration.start({ withSource: false });
  await using a = await RawConnection.open(m.proxy.port);
  await using b = await RawConnection.open(m.proxy.port);
  const [idB] = await b.call(["CLIENT", "ID"]);
  assert.deepEqual(await a.call(["CLIENT", "KILL", "ID", idB.slice(1, -2)]), [":1\r\n"]);
  await assert.rejects(b.call(["PING"]), /connection closed/);
  assert.deepEqual(await a.call(["CLIENT", "KILL", "ID", "99999"]), [":0\r\n"]);
  assert.deepEqual(await a.call(["CLIENT", "KILL", "1.2.3.4:5"]), ["-ERR No such client\r\n"]);
  assert.deepEqual(await a.call(["PING"]), ["+PONG\r\n"], "SKIPME yes by default");
});

integrationTest("CLIENT REPLY OFF, SKIP and ON control the replies written", async () => {
  await using m = await Migration.start({ withSource: false });
  await using conn = await RawConnection.open(m.proxy.port);
  await conn.send(
    ["CLIENT", "REPLY", "OFF"],
    ["SET", "a", "1"],
    ["CLIENT", "REPLY", "ON"],
    ["CLIENT", "REPLY", "SKIP"],
    ["SET", "b", "2"],
    ["GET", "a"],
  );
  assert.deepEqual(await conn.read(2), ["+OK\r\n", "$1\r\n1\r\n"]);
  assert.deepEqual(await conn.call(["GET", "b"]), ["$1\r\n2\r\n"], "skipped commands still ran");
});

integrationTest("CLIENT TRACKING is refused, PAUSE reaches the server", async () => {
  await using m = await Migration.start({ withSource: false });
  await using conn = await RawConnection.open(m.proxy.port);
  const [tracking, pause, unpause] = await conn.call(
    ["CLIENT", "TRACKING", "ON"],
    ["CLIENT", "PAUSE", "10"],
    ["CLIENT", "UNPAUSE"],
  );
  assert.match(tracking, /^-ERR CLIENT TRACKING is not supported by remiro/);
  assert.equal(pause, "+OK\r\n");
  assert.equal(unpause, "+OK\r\n");
  assert.match((await conn.call(["CLIENT", "NOSUCH"]))[0], /unknown subcommand 'nosuch'/);
});
