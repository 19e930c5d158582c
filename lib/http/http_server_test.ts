import assert from "node:assert/strict";
import { startHttpServer } from "./http_server.ts";
import { Metrics } from "./metrics.ts";
import type { HealthProbe } from "./health.ts";

function serve(probes: HealthProbe[]) {
  const metrics = new Metrics(new Set(["get"]));
  metrics.commandSent("destination", "get");
  const server = startHttpServer({ hostname: "127.0.0.1", port: 0, metrics, probes });
  return {
    url: (path: string) => `http://127.0.0.1:${server.port}${path}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("startHttpServer serves /metrics on the port it picked", async () => {
  await using server = serve([]);
  const response = await fetch(server.url("/metrics"));
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
  assert.match(
    await response.text(),
    /remiro_command_count\{target="destination",command="get"\} 1/,
  );
});

Deno.test("startHttpServer serves /health as JSON, 200 or 500", async () => {
  const healthy: HealthProbe = { name: "destinationRedis", ping: () => Promise.resolve() };
  {
    await using server = serve([healthy]);
    const response = await fetch(server.url("/health"));
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(await response.json(), { destinationRedis: { status: "OK" } });
  }
  {
    const broken: HealthProbe = {
      name: "sourceRedis",
      ping: () => Promise.reject(new Error("source unavailable: connection refused")),
    };
    await using server = serve([healthy, broken]);
    const response = await fetch(server.url("/health"));
    assert.equal(response.status, 500);
    assert.deepEqual(await response.json(), {
      destinationRedis: { status: "OK" },
      sourceRedis: { status: "Error", error: "source unavailable: connection refused" },
    });
  }
});

Deno.test("startHttpServer answers 404 to other paths and 405 to other methods", async () => {
  await using server = serve([]);
  const missing = await fetch(server.url("/nope"));
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const post = await fetch(server.url("/metrics"), { method: "POST", body: "x" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET");
  await post.body?.cancel();
});

Deno.test("startHttpServer throws when the port is taken", async () => {
  await using server = serve([]);
  const port = Number(new URL(server.url("/")).port);
  assert.throws(
    () =>
      startHttpServer({ hostname: "127.0.0.1", port, metrics: new Metrics(new Set()), probes: [] }),
    Deno.errors.AddrInUse,
  );
});

Deno.test("startHttpServer serves JSON endpoints, awaiting values that are promises", async () => {
  const server = startHttpServer({
    hostname: "127.0.0.1",
    port: 0,
    metrics: new Metrics(new Set()),
    probes: [],
    json: {
      "/admin/plain": () => ({ n: 1 }),
      "/admin/later": () => Promise.resolve({ n: 2 }),
    },
    pages: { "/": () => "<!doctype html><title>status</title>" },
  });
  try {
    const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
    assert.deepEqual(await (await fetch(url("/admin/plain"))).json(), { n: 1 });
    const later = await fetch(url("/admin/later"));
    assert.match(later.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(await later.json(), { n: 2 });
    const page = await fetch(url("/"));
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(await page.text(), "<!doctype html><title>status</title>");
  } finally {
    await server.shutdown();
  }
});
