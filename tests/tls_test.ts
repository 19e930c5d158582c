import assert from "node:assert/strict";
import { join } from "node:path";
import { Redis } from "ioredis";
import { type RunningProxy, startProxy } from "../lib/cli/mod.ts";
import { loadConfig } from "../lib/config/mod.ts";
import { ioredisClient, redisCli } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { freePort, RedisServer, waitFor } from "./_util/redis.ts";
import { type Authority, makeCertificates, redisTlsArgs } from "./_util/tls_certs.ts";

/** A redis-server with a plain port (for the test's own checks) and a TLS port. */
async function tlsRedis(authority: Authority, authClients: "yes" | "no", args: string[] = []) {
  const tlsPort = freePort();
  const server = await RedisServer.start({
    args: [...redisTlsArgs(tlsPort, authority, authClients), ...args],
  });
  return Object.assign(server, { tlsAddr: `127.0.0.1:${tlsPort}` });
}

/** Writes `toml` next to the certificates and starts the proxy it describes. */
/** The proxy's own certificate and key, as top-level config lines. */
function listenerKeys(pair: { serverCert: string; serverKey: string }): string {
  return `TlsCert = "${pair.serverCert}"\nTlsKey = "${pair.serverKey}"\n`;
}

async function proxyFrom(dir: string, toml: string): Promise<RunningProxy & { file: string }> {
  const file = join(dir, "remiro.toml");
  await Deno.writeTextFile(file, toml);
  const proxy = startProxy(await loadConfig(file), {
    host: "127.0.0.1",
    port: 0,
    instruPort: 0,
    loadConfig: () => loadConfig(file),
  });
  return Object.assign(proxy, { file });
}

/** A proxy taking TLS clients with the trusted CA's server certificate, in front of `redis`. */
function tlsProxy(
  certs: { dir: string; trusted: { serverCert: string; serverKey: string } },
  redis: RedisServer,
): Promise<RunningProxy & { file: string }> {
  return proxyFrom(
    certs.dir,
    listenerKeys(certs.trusted) + `[Destination]\nAddr = "${redis.addr}"\n`,
  );
}

/** An ioredis client of the proxy over TLS; `client` adds a client certificate. */
function tlsClient(port: number, tls: { ca: string; cert?: string; key?: string }) {
  const client = new Redis({
    host: "127.0.0.1",
    port,
    tls,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    enableReadyCheck: false,
  });
  client.on("error", () => {});
  return Object.assign(client, {
    [Symbol.asyncDispose]: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  });
}

async function health(proxy: RunningProxy) {
  const response = await fetch(`http://127.0.0.1:${proxy.instruPort}/health`);
  return { status: response.status, body: await response.json() };
}

/** Bytes a connection receives until the peer closes it (or it fails). */
async function readUntilClosed(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  try {
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } catch {
    // reset by the peer: closed as well
  }
  return text;
}

integrationTest("clients connect to the proxy over TLS; plain TCP clients are closed", async () => {
  await using certs = await makeCertificates();
  await using redis = await RedisServer.start();
  const { trusted } = certs;
  await using proxy = await tlsProxy(certs, redis);
  await using client = tlsClient(proxy.port, { ca: certs.read(trusted.ca) });
  assert.equal(await client.set("greeting", "hello"), "OK");
  assert.equal(await client.get("greeting"), "hello");
  const pipeline = client.pipeline();
  for (let i = 0; i < 500; i++) pipeline.incr("counter");
  const results = await pipeline.exec();
  assert.deepEqual(results?.at(-1), [null, 500]);

  // A plain client gets no Redis reply, and its connection is closed.
  const plain = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  await plain.write(new TextEncoder().encode("PING\r\n"));
  const received = await readUntilClosed(plain);
  plain.close();
  assert.ok(!received.includes("PONG"), `plain client got ${JSON.stringify(received)}`);
  await using ioredisPlain = ioredisClient(proxy.port);
  await assert.rejects(ioredisPlain.ping());
  assert.equal(await client.get("counter"), "500", "the TLS client is unaffected");
  assert.equal(proxy.server.clientCount, 1, "failed handshakes never became clients");

  const cli = await redisCli(proxy.port, ["--tls", "--cacert", trusted.ca, "GET", "greeting"]);
  assert.equal(cli.stdout.trim(), "hello", cli.stderr);
  const untrusted = await redisCli(proxy.port, ["--tls", "--cacert", certs.rogue.ca, "PING"]);
  assert.doesNotMatch(untrusted.stdout, /PONG/);
});

integrationTest("a raw TLS client's long pipeline and large values arrive whole", async () => {
  await using certs = await makeCertificates();
  await using redis = await RedisServer.start();
  const { trusted } = certs;
  await using proxy = await tlsProxy(certs, redis);
  await using client = tlsClient(proxy.port, { ca: certs.read(trusted.ca) });
  const large = "x".repeat(3 * 1024 * 1024);
  assert.equal(await client.set("large", large), "OK");
  assert.equal(await client.strlen("large"), large.length);
  assert.equal(await client.get("large"), large);

  const conn = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: proxy.port,
    caCerts: [certs.read(trusted.ca)],
  });
  const count = 5000;
  const request = new TextEncoder().encode("*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n".repeat(count));
  // A TLS write may take only part of a large buffer.
  for (let sent = 0; sent < request.length;) sent += await conn.write(request.subarray(sent));
  let text = "";
  const buffer = new Uint8Array(64 * 1024);
  while (!text.endsWith(`:${count}\r\n`)) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  conn.close();
  const replies = text.split("\r\n").filter((line) => line !== "");
  assert.equal(replies.length, count);
  assert.deepEqual(replies.slice(0, 3), [":1", ":2", ":3"], "in order");
});

integrationTest("TlsCaCert: only clients with a certificate from that CA get in", async () => {
  await using certs = await makeCertificates();
  await using redis = await RedisServer.start();
  const { trusted, rogue } = certs;
  await using proxy = await proxyFrom(
    certs.dir,
    listenerKeys(trusted) +
      `TlsCaCert = "${trusted.ca}"\n[Destination]\nAddr = "${redis.addr}"\n`,
  );
  const ca = certs.read(trusted.ca);
  await using client = tlsClient(proxy.port, {
    ca,
    cert: certs.read(trusted.clientCert),
    key: certs.read(trusted.clientKey),
  });
  assert.equal(await client.set("k", "v"), "OK");
  const pipeline = client.pipeline();
  for (let i = 0; i < 2000; i++) pipeline.rpush("list", `item-${i}`);
  await pipeline.exec();
  assert.equal((await client.lrange("list", 0, -1)).length, 2000);
  const large = "y".repeat(2 * 1024 * 1024);
  await client.set("large", large);
  assert.equal(await client.get("large"), large);

  await using anonymous = tlsClient(proxy.port, { ca });
  await assert.rejects(anonymous.get("k"));
  await using impostor = tlsClient(proxy.port, {
    ca,
    cert: certs.read(rogue.clientCert),
    key: certs.read(rogue.clientKey),
  });
  await assert.rejects(impostor.get("k"));
  const plain = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  await plain.write(new TextEncoder().encode("GET k\r\n"));
  assert.doesNotMatch(await readUntilClosed(plain), /\$1/);
  plain.close();

  const tls = ["--tls", "--cacert", trusted.ca];
  const cli = await redisCli(proxy.port, [
    ...tls,
    ...["--cert", trusted.clientCert, "--key", trusted.clientKey, "GET", "k"],
  ]);
  assert.equal(cli.stdout.trim(), "v", cli.stderr);
  const refused = await redisCli(proxy.port, [...tls, "GET", "k"]);
  assert.notEqual(refused.stdout.trim(), "v");
  assert.equal(await client.get("k"), "v", "the verified client is unaffected");
  assert.equal(proxy.server.clientCount, 1);
});

integrationTest(
  "Tls = true: a plain proxy to a TLS-only Redis, with a client certificate",
  async () => {
    await using certs = await makeCertificates();
    const { trusted } = certs;
    await using redis = await tlsRedis(trusted, "yes");
    await using proxy = await proxyFrom(
      certs.dir,
      `[Destination]\nAddr = "${redis.tlsAddr}"\nTls = true\nTlsCaCert = "${trusted.ca}"\n` +
        `TlsCert = "${trusted.clientCert}"\nTlsKey = "${trusted.clientKey}"\nDB = 3\n`,
    );
    await using client = ioredisClient(proxy.port);
    assert.equal(await client.set("over-tls", "yes"), "OK");
    const pipeline = client.pipeline();
    for (let i = 0; i < 300; i++) pipeline.incr("n");
    await pipeline.exec();
    assert.equal(await client.get("n"), "300");
    assert.equal(await client.blpop("nothing", 0.05), null, "a dedicated connection works");
    await using direct = ioredisClient(redis.port, { db: 3 });
    assert.equal(await direct.get("over-tls"), "yes");
    const clients = await direct.client("LIST") as string;
    assert.match(clients, new RegExp(`laddr=${redis.tlsAddr}`), "the proxy came in on TLS");
    assert.deepEqual((await health(proxy)).body, { destinationRedis: { status: "OK" } });
  },
);

integrationTest(
  "migration with the source over TLS and the destination plain, and back",
  async () => {
    await using certs = await makeCertificates();
    const { trusted } = certs;
    await using tlsServer = await tlsRedis(trusted, "no");
    await using plainServer = await RedisServer.start();
    await using tlsDirect = ioredisClient(tlsServer.port);
    await using plainDirect = ioredisClient(plainServer.port);
    const tlsSection = `Addr = "${tlsServer.tlsAddr}"\nTls = true\nTlsCaCert = "${trusted.ca}"\n`;

    await tlsDirect.hset("from-tls", { a: "1", b: "2" });
    await tlsDirect.pexpire("from-tls", 600_000);
    {
      await using proxy = await proxyFrom(
        certs.dir,
        `[Source]\n${tlsSection}[Destination]\nAddr = "${plainServer.addr}"\n`,
      );
      await using client = ioredisClient(proxy.port);
      assert.deepEqual(await client.hgetall("from-tls"), { a: "1", b: "2" });
      assert.deepEqual(await plainDirect.hgetall("from-tls"), { a: "1", b: "2" }, "copied");
      assert.ok(await plainDirect.pttl("from-tls") > 500_000, "TTL kept");
      assert.deepEqual((await health(proxy)).body, {
        destinationRedis: { status: "OK" },
        sourceRedis: { status: "OK" },
      });
    }

    await plainDirect.set("from-plain", "value");
    await using proxy = await proxyFrom(
      certs.dir,
      // The certificate names localhost too: verified under that name, connected by address.
      `[Source]\nAddr = "${plainServer.addr}"\n[Destination]\n${tlsSection}` +
        `TlsServerName = "localhost"\n`,
    );
    await using client = ioredisClient(proxy.port);
    assert.equal(await client.get("from-plain"), "value");
    assert.equal(await tlsDirect.get("from-plain"), "value", "copied over TLS");
    assert.equal(await client.del("from-plain"), 1);
    assert.equal(await plainDirect.exists("from-plain"), 0, "DEL reached the plain source");
  },
);

integrationTest("a wrong CA, server name or missing client certificate fails fast", async () => {
  await using certs = await makeCertificates();
  const { trusted, rogue } = certs;
  await using redis = await tlsRedis(trusted, "no");
  await using strict = await tlsRedis(trusted, "yes");
  const cases = [
    {
      section: `Addr = "${redis.tlsAddr}"\nTls = true\nTlsCaCert = "${rogue.ca}"\n`,
      error:
        /^upstream destination unavailable: TLS handshake failed: invalid peer certificate: UnknownIssuer/,
    },
    {
      section: `Addr = "${redis.tlsAddr}"\nTls = true\nTlsCaCert = "${trusted.ca}"\n` +
        `TlsServerName = "redis.example.com"\n`,
      error:
        /TLS handshake failed: invalid peer certificate: certificate not valid for name "redis\.example\.com"/,
    },
    {
      // A plain Redis waits for a newline that a TLS greeting never sends.
      section: `Addr = "${redis.addr}"\nTls = true\nTlsCaCert = "${trusted.ca}"\n` +
        `ConnectTimeout = "500ms"\n`,
      error: /^upstream destination unavailable: TLS handshake timed out \(is it a TLS port\?\)/,
    },
    {
      section: `Addr = "${strict.tlsAddr}"\nTls = true\nTlsCaCert = "${trusted.ca}"\n`,
      error: /^upstream destination unavailable: .*CertificateRequired/,
    },
  ];
  for (const { section, error } of cases) {
    await using proxy = await proxyFrom(certs.dir, `[Destination]\n${section}`);
    await using client = ioredisClient(proxy.port);
    const started = performance.now();
    await assert.rejects(client.get("k"), (e: Error) => {
      assert.match(e.message.replace(/^ERR /, ""), error);
      return true;
    });
    assert.ok(performance.now() - started < 2000, "no hang");
    assert.equal(await client.ping(), "PONG", "the proxy keeps serving");
    const report = await health(proxy);
    assert.equal(report.status, 500);
    assert.equal(report.body.destinationRedis.status, "Error");
    assert.match(report.body.destinationRedis.error, error);
  }
});

integrationTest("a reload that changes the CA file's content reconnects with it", async () => {
  await using certs = await makeCertificates();
  const { trusted, rogue } = certs;
  await using redis = await tlsRedis(trusted, "no");
  const caFile = join(certs.dir, "upstream-ca.pem");
  await Deno.copyFile(rogue.ca, caFile);
  await using proxy = await proxyFrom(
    certs.dir,
    `[Destination]\nAddr = "${redis.tlsAddr}"\nTls = true\nTlsCaCert = "upstream-ca.pem"\n`,
  );
  await using client = ioredisClient(proxy.port);
  await assert.rejects(client.get("k"), /UnknownIssuer/);
  await Deno.copyFile(trusted.ca, caFile);
  const outcome = await proxy.reloadFromFile();
  assert.ok(!(outcome instanceof Error), String(outcome));
  assert.deepEqual(outcome.changed, ["upstreams"]);
  await waitFor(async () => (await client.set("k", "v").catch(() => "")) === "OK", {
    message: "the reloaded CA was not used",
  });
  assert.deepEqual((await health(proxy)).body, { destinationRedis: { status: "OK" } });
  const again = await proxy.reloadFromFile();
  assert.ok(!(again instanceof Error));
  assert.deepEqual(again.changed, [], "same files, same pools");
});

integrationTest("a failover group over TLS: members, health checks and replica reads", async () => {
  await using certs = await makeCertificates();
  const { trusted } = certs;
  // Without the delay a full sync waits 5 s for more replicas to join it.
  await using master = await tlsRedis(trusted, "no", ["--repl-diskless-sync-delay", "0"]);
  const replicaArgs = ["--tls-replication", "yes", "--replicaof", ...master.tlsAddr.split(":")];
  const replicaTlsPort = freePort();
  await using replica = await RedisServer.start({
    args: [...redisTlsArgs(replicaTlsPort, trusted, "no"), ...replicaArgs],
  });
  await using replicaDirect = ioredisClient(replica.port);
  await waitFor(async () => /master_link_status:up/.test(await replicaDirect.info("replication")), {
    message: "the replica never synced over TLS",
  });
  await using proxy = await proxyFrom(
    certs.dir,
    `[Destination]\nMode = "failover"\nReadFrom = "replicas"\nCheckInterval = "100ms"\n` +
      `Addrs = ["${master.tlsAddr}", "127.0.0.1:${replicaTlsPort}"]\n` +
      `Tls = true\nTlsCaCert = "${trusted.ca}"\n`,
  );
  await using client = ioredisClient(proxy.port);
  await waitFor(async () => (await health(proxy)).status === 200, {
    message: "the group's members never passed their checks over TLS",
  });
  assert.equal(await client.set("grouped", "1"), "OK");
  await waitFor(async () => (await replicaDirect.get("grouped")) === "1");
  assert.equal(await client.get("grouped"), "1");
});

integrationTest("a reload that changes the proxy's own certificate needs a restart", async () => {
  await using certs = await makeCertificates();
  await using redis = await RedisServer.start();
  const { trusted, rogue } = certs;
  const certFile = join(certs.dir, "proxy.crt");
  const keyFile = join(certs.dir, "proxy.key");
  await Deno.copyFile(trusted.serverCert, certFile);
  await Deno.copyFile(trusted.serverKey, keyFile);
  await using proxy = await proxyFrom(
    certs.dir,
    `TlsCert = "proxy.crt"\nTlsKey = "proxy.key"\n[Destination]\nAddr = "${redis.addr}"\n`,
  );
  await Deno.copyFile(rogue.serverCert, certFile);
  await Deno.copyFile(rogue.serverKey, keyFile);
  const outcome = await proxy.reloadFromFile();
  assert.ok(!(outcome instanceof Error), String(outcome));
  assert.deepEqual(outcome, { changed: [], needRestart: ["TlsCert/TlsKey/TlsCaCert"] });
  await using client = tlsClient(proxy.port, { ca: certs.read(trusted.ca) });
  assert.equal(await client.ping(), "PONG", "the certificate loaded at start stays in use");
});
