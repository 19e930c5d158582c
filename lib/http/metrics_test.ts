import assert from "node:assert/strict";
import { Metrics } from "./metrics.ts";

const KNOWN = new Set(["get", "set", "dump", "restore"]);

Deno.test("Metrics renders every remiro_* metric in Prometheus text", async () => {
  const metrics = new Metrics(KNOWN);
  metrics.commandSent("destination", "get");
  metrics.commandSent("destination", "get");
  metrics.commandSent("source", "dump");
  metrics.observeLatency("get", 0.3);
  metrics.keyCopied();
  metrics.copyMiss();
  metrics.copyError();
  metrics.sourceDeleted(3);
  metrics.sourceDeleted();
  metrics.upstreamError("source");
  metrics.clientConnected();
  metrics.clientConnected();
  metrics.clientDisconnected();
  metrics.protocolError();
  const { contentType, body } = await metrics.render();
  assert.match(contentType, /^text\/plain/);
  for (
    const line of [
      'remiro_command_count{target="destination",command="get"} 2',
      'remiro_command_count{target="source",command="dump"} 1',
      'remiro_request_latency_bucket{le="0.25",command="get"} 0',
      'remiro_request_latency_bucket{le="0.5",command="get"} 1',
      'remiro_request_latency_count{command="get"} 1',
      "remiro_keys_copied_total 1",
      "remiro_copy_misses_total 1",
      "remiro_copy_errors_total 1",
      "remiro_source_deletions_total 4",
      'remiro_upstream_errors_total{target="source"} 1',
      // Present before the first error, so dashboards show 0 rather than no data.
      'remiro_upstream_errors_total{target="destination"} 0',
      "remiro_client_connections 1",
      "remiro_client_connections_total 2",
      "remiro_protocol_errors_total 1",
    ]
  ) {
    assert.ok(body.split("\n").includes(line), `missing ${line} in:\n${body}`);
  }
});

Deno.test("Metrics records unknown command names as other", async () => {
  const metrics = new Metrics(KNOWN);
  metrics.commandSent("destination", "nosuchcommand");
  metrics.commandSent("destination", "another-one");
  metrics.observeLatency("GET", 1);
  const { body } = await metrics.render();
  assert.match(body, /remiro_command_count\{target="destination",command="other"\} 2/);
  assert.match(body, /remiro_request_latency_count\{command="other"\} 1/);
  assert.doesNotMatch(body, /nosuchcommand|another-one|command="GET"/);
});

Deno.test("Metrics instances do not share a registry", async () => {
  const a = new Metrics(KNOWN);
  const b = new Metrics(KNOWN);
  a.keyCopied();
  assert.match((await a.render()).body, /remiro_keys_copied_total 1/);
  assert.match((await b.render()).body, /remiro_keys_copied_total 0/);
});

Deno.test("Metrics totals sums counters over targets and latency buckets over commands", async () => {
  const metrics = new Metrics(KNOWN);
  const empty = await metrics.totals();
  assert.deepEqual(
    [empty.requests, empty.upstreamCommands, empty.keysCopied, empty.upstreamErrors],
    [0, 0, 0, 0],
  );
  assert.equal(empty.latencyCounts.length, empty.latencyBoundsMs.length + 1);
  assert.ok(empty.latencyCounts.every((count) => count === 0));

  metrics.commandSent("destination", "get");
  metrics.commandSent("source", "dump");
  metrics.commandSent("destination", "nosuchcommand");
  metrics.observeLatency("get", 0.3);
  metrics.observeLatency("set", 0.3);
  metrics.observeLatency("nosuchcommand", 1e9);
  metrics.keyCopied();
  metrics.keyCopied();
  metrics.copyError();
  metrics.upstreamError("source");
  metrics.upstreamError("destination");
  metrics.upstreamError("destination");
  metrics.clientConnected();
  metrics.clientConnected();
  metrics.clientDisconnected();
  const totals = await metrics.totals();
  assert.deepEqual(
    {
      requests: totals.requests,
      upstreamCommands: totals.upstreamCommands,
      keysCopied: totals.keysCopied,
      copyErrors: totals.copyErrors,
      upstreamErrors: totals.upstreamErrors,
      clients: totals.clients,
    },
    {
      requests: 3,
      upstreamCommands: 3,
      keysCopied: 2,
      copyErrors: 1,
      upstreamErrors: 3,
      clients: 1,
    },
  );
  const half = totals.latencyBoundsMs.indexOf(0.5);
  assert.equal(totals.latencyCounts[half], 2, "get and set in the (0.25, 0.5] bucket");
  assert.equal(totals.latencyCounts.at(-1), 1, "the slow one past the last bound");
  assert.equal(totals.latencyCounts.reduce((a, b) => a + b), 3);
});
