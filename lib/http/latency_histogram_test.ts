import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { LatencyHistogram } from "./latency_histogram.ts";

Deno.test("LatencyHistogram renders like prom-client's Histogram", async () => {
  const histogram = new LatencyHistogram("x_latency", "help text", "command", [1, 5]);
  const registry = new Registry();
  registry.registerMetric(histogram.asMetric());
  const get = histogram.series("get");
  get.observe(0.5);
  get.observe(1);
  get.observe(3);
  get.observe(100);
  const text = await registry.metrics();
  assert.match(text, /# TYPE x_latency histogram/);
  assert.match(text, /x_latency_bucket\{le="1",command="get"\} 2\n/);
  assert.match(text, /x_latency_bucket\{le="5",command="get"\} 3\n/);
  assert.match(text, /x_latency_bucket\{le="\+Inf",command="get"\} 4\n/);
  assert.match(text, /x_latency_sum\{command="get"\} 104.5\n/);
  assert.match(text, /x_latency_count\{command="get"\} 4/);
});
