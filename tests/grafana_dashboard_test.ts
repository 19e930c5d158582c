import assert from "node:assert/strict";
import { localServerConfig, startProxy } from "../lib/cli/mod.ts";
import type { Config } from "../lib/config/mod.ts";
import { ioredisClient as client } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";
import { startMaster, startReplicaOf } from "./_util/reshard.ts";
import { RemiroInProcess } from "./_util/remiro_in_process.ts";

const DASHBOARD = new URL("../grafana/remiro.json", import.meta.url);
/** How every panel, target and query variable names its data source. */
const DATASOURCE_UID = "${datasource}";
const GRID_COLUMNS = 24;

/** The parts of a Grafana dashboard this test reads. */
interface DatasourceRef {
  type?: string;
  uid?: string;
}

interface PanelTarget {
  refId?: string;
  expr?: string;
  datasource?: DatasourceRef;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: DatasourceRef;
  targets?: PanelTarget[];
  fieldConfig?: { defaults?: { unit?: string } };
  /** The panels of a collapsed row. */
  panels?: Panel[];
}

interface Variable {
  name: string;
  type: string;
  /** A string for data source variables, an object in what Grafana 10 exports for queries. */
  query?: string | { query?: string };
  datasource?: DatasourceRef;
}

interface Dashboard {
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

async function loadDashboard(): Promise<Dashboard> {
  return JSON.parse(await Deno.readTextFile(DASHBOARD));
}

/** Every panel, including those inside collapsed rows. */
function panelsOf(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

function variableQuery(variable: Variable): string {
  return typeof variable.query === "string" ? variable.query : variable.query?.query ?? "";
}

/** A PromQL expression of the dashboard and where it is, for messages. */
interface Query {
  where: string;
  expr: string;
}

/** The expressions of every panel target and every query variable. */
function queriesOf(dashboard: Dashboard): Query[] {
  const queries: Query[] = [];
  for (const panel of panelsOf(dashboard)) {
    for (const target of panel.targets ?? []) {
      queries.push({
        where: `panel ${panel.id} "${panel.title}" ${target.refId}`,
        expr: target.expr ?? "",
      });
    }
  }
  for (const variable of dashboard.templating.list) {
    if (variable.type === "query") {
      queries.push({ where: `variable $${variable.name}`, expr: variableQuery(variable) });
    }
  }
  return queries;
}

function metricsIn(expr: string): string[] {
  return expr.match(/\bremiro_[a-zA-Z0-9_:]*/g) ?? [];
}

/** Label names an expression filters on, groups by, or asks label_values for. */
function labelsIn(expr: string): string[] {
  const labels: string[] = [];
  for (const [, label] of expr.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)\s*"/g)) labels.push(label);
  for (const [, list] of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    labels.push(...list.split(",").map((label) => label.trim()).filter((label) => label !== ""));
  }
  for (const [, label] of expr.matchAll(/label_values\(\s*[\w:]+\s*,\s*(\w+)\s*\)/g)) {
    labels.push(label);
  }
  return labels;
}

/** One metric family of a /metrics scrape. */
interface Family {
  type: string;
  /** Label names seen on its samples. */
  labels: Set<string>;
  samples: number;
}

/**
 * Adds the families of a Prometheus text exposition to `families`. A family counts as exported
 * once its `# HELP`/`# TYPE` lines are there: labelled families (errors, drops) have no samples
 * until their first event.
 */
function parseExposition(text: string, families: Map<string, Family>): void {
  const family = (name: string) => {
    let found = families.get(name);
    if (!found) families.set(name, found = { type: "untyped", labels: new Set(), samples: 0 });
    return found;
  };
  for (const line of text.split("\n")) {
    const declared = line.match(/^# (HELP|TYPE) ([a-zA-Z_:][\w:]*)(?: (\S+))?/);
    if (declared) {
      const [, kind, name, type] = declared;
      const described = family(name);
      if (kind === "TYPE") described.type = type;
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const sample = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/);
    assert.ok(sample, `a sample line: ${line}`);
    const [, series, labelText = ""] = sample;
    const sampled = family(familyOf(series, families) ?? series);
    sampled.samples++;
    for (const [, label] of labelText.matchAll(/([a-zA-Z_]\w*)="(?:[^"\\]|\\.)*"/g)) {
      sampled.labels.add(label);
    }
  }
}

/**
 * The family a series name belongs to, or undefined when nothing exports it. A histogram is
 * exported only as name_bucket, name_sum and name_count, so the suffix comes off only for a
 * histogram (or summary) family: remiro_command_count is a counter of its own, and a bare
 * histogram name selects nothing.
 */
function familyOf(series: string, families: ReadonlyMap<string, Family>): string | undefined {
  const own = families.get(series)?.type;
  if (own !== undefined && own !== "histogram") return series;
  const suffix = series.match(/_(?:bucket|sum|count)$/)?.[0];
  if (suffix === undefined) return undefined;
  const base = series.slice(0, -suffix.length);
  const type = families.get(base)?.type;
  if (type === "histogram" || (type === "summary" && suffix !== "_bucket")) return base;
  return undefined;
}

/** Metrics the dashboard queries that are not in `families`. */
function missingMetrics(
  dashboard: Dashboard,
  families: ReadonlyMap<string, Family>,
): { metric: string; where: string }[] {
  return queriesOf(dashboard).flatMap(({ where, expr }) =>
    metricsIn(expr)
      .filter((metric) => familyOf(metric, families) === undefined)
      .map((metric) => ({ metric, where }))
  );
}

/**
 * Labels the dashboard uses that none of an expression's metrics carry. Prometheus adds
 * `instance` and `job` when it scrapes. Expressions on a family without samples yet are left
 * out: its labels are unknown until its first event.
 */
function unknownLabels(
  dashboard: Dashboard,
  families: ReadonlyMap<string, Family>,
): { label: string; where: string }[] {
  return queriesOf(dashboard).flatMap(({ where, expr }) => {
    const used = metricsIn(expr).map((metric) => families.get(familyOf(metric, families) ?? ""));
    const sampled = used.filter((family): family is Family => (family?.samples ?? 0) > 0);
    if (sampled.length < used.length) return [];
    const known = new Set(["instance", "job", ...sampled.flatMap((family) => [...family.labels])]);
    return labelsIn(expr).filter((label) => !known.has(label)).map((label) => ({ label, where }));
  });
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  const body = await response.text();
  assert.equal(response.status, 200, `${url}: ${body}`);
  return body;
}

Deno.test("grafana/remiro.json: unique ids, no overlaps, every query on $datasource", async () => {
  const dashboard = await loadDashboard();
  assert.ok(dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
  const variables = new Map(dashboard.templating.list.map((variable) => [variable.name, variable]));
  const datasource = variables.get("datasource");
  assert.equal(datasource?.type, "datasource");
  assert.equal(datasource?.query, "prometheus");
  const instance = variables.get("instance");
  assert.ok(instance, "an instance variable");
  assert.equal(variableQuery(instance), "label_values(remiro_client_connections, instance)");
  for (const variable of variables.values()) {
    if (variable.type === "query") assert.equal(variable.datasource?.uid, DATASOURCE_UID);
  }

  const panels = panelsOf(dashboard);
  const ids = panels.map((panel) => panel.id);
  assert.equal(new Set(ids).size, ids.length, `panel ids ${ids.join(",")}`);
  const rows = panels.filter((panel) => panel.type === "row");
  assert.deepEqual(rows.map((row) => row.title), ["Proxy", "Migration", "Reshard", "Replicate"]);
  // Rows only group panels; everything else queries Prometheus through the variable.
  for (const panel of panels.filter((panel) => panel.type !== "row")) {
    const name = `panel ${panel.id} "${panel.title}"`;
    assert.equal(panel.datasource?.uid, DATASOURCE_UID, name);
    assert.ok(panel.fieldConfig?.defaults?.unit, `${name} has a unit`);
    assert.ok(panel.targets?.length, `${name} has queries`);
    for (const target of panel.targets) {
      assert.equal(target.datasource?.uid, DATASOURCE_UID, `${name} ${target.refId}`);
      assert.ok(target.expr?.trim(), `${name} ${target.refId} has an expr`);
    }
  }
  for (const { where, expr } of queriesOf(dashboard)) {
    assert.ok(metricsIn(expr).length > 0, `${where} queries a remiro_* metric: ${expr}`);
    for (const [, name] of expr.matchAll(/\$(\w+)/g)) {
      assert.ok(name.startsWith("__") || variables.has(name), `${where} uses undefined $${name}`);
    }
  }

  for (const [i, a] of panels.entries()) {
    const { x, y, w, h } = a.gridPos;
    assert.ok(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= GRID_COLUMNS, `panel ${a.id} grid`);
    for (const b of panels.slice(i + 1)) {
      const other = b.gridPos;
      const apart = x + w <= other.x || other.x + other.w <= x || y + h <= other.y ||
        other.y + other.h <= y;
      assert.ok(apart, `panels ${a.id} and ${b.id} overlap`);
    }
  }
});

integrationTest(
  "grafana/remiro.json queries only metrics the proxy, reshard and replicate export",
  async () => {
    const dashboard = await loadDashboard();
    await using source = await RedisServer.start();
    await using destination = await RedisServer.start();
    await using master = await startMaster();
    await using replicateSource = await RedisServer.start();
    await using replicateTarget = await RedisServer.start();
    await using sourceClient = client(source.port);
    await sourceClient.set("on:source", "v");

    // With a source and the sweeper on, so the migration families are registered too, and the
    // destination as a failover group (of one), so the group families have samples.
    const config: Config = {
      deleteOnGet: false,
      deleteOnSet: false,
      source: localServerConfig(source),
      destination: {
        ...localServerConfig(destination),
        group: {
          mode: "failover",
          members: [{ addr: localServerConfig(destination).addr, addrText: destination.addr }],
          sentinels: [],
          readFrom: "master",
          checkIntervalMs: 100,
          downAfterMs: 1000,
          maxReplicaLagBytes: 1024 * 1024,
        },
      },
      migration: { sweep: true, rate: 1000 },
    };
    await using proxy = startProxy(config, { host: "127.0.0.1", port: 0, instruPort: 0 });
    await using proxyClient = client(proxy.port);
    // Per-command counters and the latency histogram have series only after traffic.
    await proxyClient.set("written", "1");
    await proxyClient.get("written");
    await proxyClient.get("on:source");
    await proxyClient.get("nowhere");

    await using reshard = new RemiroInProcess([
      "reshard",
      "--master-port",
      String(master.port),
      "--proxy-port",
      "0",
      "-i",
      "0",
      ".",
    ]);
    const reshardPort = Number(await reshard.waitForOutput(/listening on [\d.]+:(\d+)/));
    const reshardMetrics = await reshard.waitForOutput(/metrics and health on (\S+)/);
    // A replica and a write give the per-replica and per-outcome families samples.
    await using replica = await startReplicaOf(reshardPort);
    await using masterClient = client(master.port);
    await masterClient.set("streamed", "1");
    await using replicaClient = client(replica.port);
    await waitFor(async () => await replicaClient.get("streamed") === "1", {
      message: "a write on the master reaches the replica through remiro reshard",
    });

    await using replicate = new RemiroInProcess([
      "replicate",
      "--source",
      `redis://127.0.0.1:${replicateSource.port}/0`,
      "--target",
      `redis://127.0.0.1:${replicateTarget.port}/0`,
      "--mode",
      "live",
      "--enable-notifications",
      "--no-verify",
      "-i",
      "0",
    ]);
    const replicateMetrics = await replicate.waitForOutput(/metrics and health on (\S+)/);

    const families = new Map<string, Family>();
    const proxyMetrics = `http://127.0.0.1:${proxy.instruPort}/metrics`;
    for (const url of [proxyMetrics, reshardMetrics, replicateMetrics]) {
      parseExposition(await scrape(url), families);
    }
    assert.ok(families.get("remiro_request_latency")?.samples, "latency samples after traffic");
    assert.ok(families.get("remiro_reshard_replicas")?.samples, "a replica in the scrape");
    assert.ok(families.get("remiro_upstream_member_up")?.samples, "a group member in the scrape");

    assert.deepEqual(missingMetrics(dashboard, families), []);
    assert.deepEqual(unknownLabels(dashboard, families), []);

    // The checks must fail for a dashboard that asks for something nobody exports.
    const tampered = structuredClone(dashboard);
    tampered.panels.push({
      id: 1000,
      type: "timeseries",
      title: "Not exported",
      gridPos: { x: 0, y: 1000, w: 24, h: 8 },
      datasource: { type: "prometheus", uid: DATASOURCE_UID },
      targets: [
        { refId: "A", expr: "rate(remiro_bogus_total[5m])" },
        // A counter's _count is not a histogram suffix, and a histogram's bare name has no series.
        { refId: "B", expr: "remiro_command + remiro_request_latency" },
        { refId: "C", expr: 'sum by (reason) (remiro_command_count{state="x"})' },
      ],
    });
    assert.deepEqual(missingMetrics(tampered, families), [
      { metric: "remiro_bogus_total", where: 'panel 1000 "Not exported" A' },
      { metric: "remiro_command", where: 'panel 1000 "Not exported" B' },
      { metric: "remiro_request_latency", where: 'panel 1000 "Not exported" B' },
    ]);
    assert.deepEqual(unknownLabels(tampered, families), [
      { label: "state", where: 'panel 1000 "Not exported" C' },
      { label: "reason", where: 'panel 1000 "Not exported" C' },
    ]);
  },
);
