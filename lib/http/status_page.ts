/**
 * The status page served at `/` of the instrumentation port: plain HTML, CSS and a small
 * script that polls `GET /admin/status` every 2 s. It lives in a module rather than an .html
 * file so that `deno compile` still makes a single file, and it loads nothing from elsewhere.
 * The script fills the page with `textContent` and attributes only, never with markup built
 * from data, and avoids backticks and template interpolation so it can sit in this string.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Remiro status</title>
<style>
  :root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #656d76; --line: #d0d7de;
    --accent: #0969da; --accent2: #8250df; font-family: system-ui, sans-serif; color: #1f2328; }
  body { margin: 0; background: #f6f8fa; }
  header { display: flex; flex-wrap: wrap; gap: 0.4rem 1.5rem; align-items: baseline;
    padding: 0.8rem 1.5rem; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 1.3rem; margin: 0; }
  header .field { color: var(--muted); }
  header .field b { color: #1f2328; font-weight: 600; }
  #fetch-error { margin: 1rem 1.5rem 0; padding: 0.6rem 1rem; border-radius: 6px;
    background: #ffebe9; border: 1px solid var(--bad); color: var(--bad); font-weight: 600; }
  body.stale main { opacity: 0.55; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(28rem, 1fr)); gap: 1rem;
    padding: 1rem 1.5rem; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 0.8rem 1rem; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 1rem; margin: 0 0 0.6rem; }
  table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
  th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); }
  th { color: var(--muted); font-weight: 600; }
  .status { font-weight: 700; }
  .status::before { content: "\\25CF  "; }
  .status-OK { color: var(--ok); }
  .status-Error, .status-Down { color: var(--bad); }
  .status-Degraded { color: var(--warn); }
  .status-unknown { color: var(--muted); }
  .stats { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; margin-bottom: 0.6rem; }
  .stat { display: flex; flex-direction: column; }
  .stat .label { color: var(--muted); font-size: 0.8rem; }
  .stat .value { font-size: 1.3rem; font-variant-numeric: tabular-nums; }
  .bar { height: 0.9rem; background: #eaeef2; border-radius: 4px; overflow: hidden; }
  #migration-bar { height: 100%; width: 0; background: var(--accent); transition: width 0.5s; }
  #migration.done #migration-bar { background: var(--ok); }
  .bar-line { display: flex; gap: 1rem; align-items: baseline; margin: 0.4rem 0 0.6rem; }
  #migration-state { font-weight: 700; }
  svg.chart { width: 100%; height: 10rem; display: block; }
  svg.chart .axis { stroke: var(--line); }
  svg.chart text { fill: var(--muted); font-size: 11px; }
  svg.chart polyline { fill: none; stroke-width: 2; }
  svg.chart .series-0 { stroke: var(--accent); fill: var(--accent); }
  svg.chart .series-1 { stroke: var(--accent2); fill: var(--accent2); }
  svg.chart polyline.series-0, svg.chart polyline.series-1 { fill: none; }
  .legend { font-size: 0.8rem; color: var(--muted); }
  .legend .key-0 { color: var(--accent); }
  .legend .key-1 { color: var(--accent2); }
  #errors { list-style: none; margin: 0; padding: 0; font-size: 0.85rem; max-height: 18rem;
    overflow-y: auto; }
  #errors li { padding: 0.3rem 0; border-bottom: 1px solid var(--line); }
  #errors .time { color: var(--muted); margin-right: 0.5rem; font-variant-numeric: tabular-nums; }
  #errors .level { font-weight: 700; margin-right: 0.5rem; text-transform: uppercase; }
  #errors .level-error { color: var(--bad); }
  #errors .level-warn { color: var(--warn); }
  #errors .fields { display: block; color: var(--muted); font-family: ui-monospace, monospace;
    word-break: break-all; }
  .muted { color: var(--muted); }
</style>
</head>
<body>
<header>
  <h1>Remiro</h1>
  <span class="field">mode <b id="mode" data-testid="mode">&ndash;</b></span>
  <span class="field">listening on <b id="listen" data-testid="listen">&ndash;</b></span>
  <span class="field">up <b id="uptime" data-testid="uptime">&ndash;</b></span>
  <span class="field">updated <b id="updated" data-testid="updated">never</b></span>
</header>
<div id="fetch-error" data-testid="fetch-error" role="alert" hidden></div>
<main>
  <section class="wide" id="upstreams-section">
    <h2>Upstreams</h2>
    <table>
      <thead><tr><th>Group</th><th>Member</th><th>Address</th><th>Role</th><th>Status</th>
        <th>Error</th></tr></thead>
      <tbody id="upstreams" data-testid="upstreams"></tbody>
    </table>
  </section>
  <section id="traffic">
    <h2>Requests</h2>
    <div class="stats">
      <div class="stat"><span class="label">requests/s</span>
        <span class="value" id="request-rate" data-testid="request-rate">&ndash;</span></div>
      <div class="stat"><span class="label">p50 latency</span>
        <span class="value" id="latency-p50" data-testid="latency-p50">&ndash;</span></div>
      <div class="stat"><span class="label">p99 latency</span>
        <span class="value" id="latency-p99" data-testid="latency-p99">&ndash;</span></div>
      <div class="stat"><span class="label">requests</span>
        <span class="value" id="requests" data-testid="requests">&ndash;</span></div>
      <div class="stat"><span class="label">clients</span>
        <span class="value" id="clients" data-testid="clients">&ndash;</span></div>
      <div class="stat"><span class="label">upstream errors</span>
        <span class="value" id="upstream-errors" data-testid="upstream-errors">&ndash;</span></div>
    </div>
    <svg class="chart" id="rate-chart" data-testid="rate-chart" data-points="0"
      viewBox="0 0 600 160" preserveAspectRatio="none" role="img"
      aria-label="requests per second over time"></svg>
    <div class="legend"><span class="key-0">&#9632; requests/s</span></div>
  </section>
  <section id="migration" data-testid="migration">
    <h2>Migration</h2>
    <p id="migration-none" class="muted" hidden>No migration sweeper is running.</p>
    <div id="migration-details">
      <div class="bar"><div id="migration-bar" data-testid="migration-bar"></div></div>
      <div class="bar-line">
        <span id="migration-state" data-testid="migration-state">&ndash;</span>
        <span id="migration-percent" data-testid="migration-percent"></span>
      </div>
      <div class="stats">
        <div class="stat"><span class="label">moved</span>
          <span class="value" id="migration-moved" data-testid="migration-moved">&ndash;</span></div>
        <div class="stat"><span class="label">scanned</span>
          <span class="value" id="migration-scanned" data-testid="migration-scanned">&ndash;</span></div>
        <div class="stat"><span class="label">total</span>
          <span class="value" id="migration-total" data-testid="migration-total">&ndash;</span></div>
        <div class="stat"><span class="label">remaining</span>
          <span class="value" id="migration-remaining" data-testid="migration-remaining">&ndash;</span></div>
        <div class="stat"><span class="label">errors</span>
          <span class="value" id="migration-errors" data-testid="migration-errors">&ndash;</span></div>
      </div>
    </div>
    <svg class="chart" id="moved-chart" data-testid="moved-chart" data-points="0"
      viewBox="0 0 600 160" preserveAspectRatio="none" role="img"
      aria-label="keys moved over time"></svg>
    <div class="legend"><span class="key-0">&#9632; keys copied to the destination</span>
      <span class="key-1">&#9632; keys swept</span></div>
  </section>
  <section class="wide">
    <h2>Recent errors</h2>
    <p id="errors-empty" class="muted" data-testid="errors-empty">None.</p>
    <ul id="errors" data-testid="errors"></ul>
  </section>
</main>
<script>
"use strict";
var REFRESH_MS = 2000;
var SVG = "http://www.w3.org/2000/svg";
var STATUS_CLASSES = { OK: 1, Error: 1, Degraded: 1, Down: 1 };
var lastSuccess = null;

function byId(id) { return document.getElementById(id); }
function setText(id, text) { byId(id).textContent = text; }
function count(n) { return n === null || n === undefined ? "\\u2013" : Number(n).toLocaleString("en-US"); }
function rate(n) {
  if (n === null || n === undefined) return "\\u2013";
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1);
}
function ms(n) {
  if (n === null || n === undefined) return "\\u2013";
  return (n < 10 ? n.toFixed(2) : Math.round(n).toLocaleString("en-US")) + " ms";
}
function duration(seconds) {
  var s = Math.floor(seconds);
  var d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  var parts = [];
  if (d) parts.push(d + "d");
  if (d || h) parts.push(h + "h");
  if (d || h || m) parts.push(m + "m");
  parts.push((s % 60) + "s");
  return parts.join(" ");
}
function statusClass(status) { return "status status-" + (STATUS_CLASSES[status] ? status : "unknown"); }
function cell(row, text, className) {
  var td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function renderUpstreams(groups) {
  var rows = [];
  groups.forEach(function (group) {
    group.members.forEach(function (member, i) {
      var row = document.createElement("tr");
      row.setAttribute("data-testid", "upstream-member");
      row.setAttribute("data-group", group.name);
      row.setAttribute("data-member", member.name);
      row.setAttribute("data-status", member.status);
      var name = cell(row, i === 0 ? group.name : "");
      if (i === 0 && group.members.length > 1) {
        var summary = document.createElement("span");
        summary.className = statusClass(group.status);
        summary.textContent = " " + group.status;
        name.appendChild(summary);
      }
      cell(row, member.name);
      cell(row, member.address);
      cell(row, member.role || "\\u2013");
      cell(row, member.status, statusClass(member.status)).setAttribute("data-testid", "member-status");
      cell(row, member.error || "").setAttribute("data-testid", "member-error");
      rows.push(row);
    });
  });
  byId("upstreams").replaceChildren.apply(byId("upstreams"), rows);
}

function svgElement(name, attributes) {
  var element = document.createElementNS(SVG, name);
  Object.keys(attributes).forEach(function (key) { element.setAttribute(key, String(attributes[key])); });
  return element;
}

// Each series is a list of [time, value]; they share the axes. The first series' length
// goes into data-points so that a test can tell the chart was drawn.
function renderChart(svg, series, unit) {
  var W = 600, H = 160, LEFT = 4, TOP = 16, BOTTOM = 18;
  var all = [];
  series.forEach(function (points) { all = all.concat(points); });
  var children = [svgElement("line", { class: "axis", x1: LEFT, y1: H - BOTTOM, x2: W, y2: H - BOTTOM })];
  svg.setAttribute("data-points", String(series[0].length));
  if (all.length === 0) {
    var empty = svgElement("text", { x: W / 2, y: H / 2, "text-anchor": "middle" });
    empty.textContent = "waiting for samples";
    children.push(empty);
    svg.replaceChildren.apply(svg, children);
    return;
  }
  var t0 = Math.min.apply(null, all.map(function (p) { return p[0]; }));
  var t1 = Math.max.apply(null, all.map(function (p) { return p[0]; }));
  var top = Math.max(1, Math.max.apply(null, all.map(function (p) { return p[1]; })));
  function x(t) { return t1 === t0 ? W - 4 : LEFT + (W - LEFT - 4) * (t - t0) / (t1 - t0); }
  function y(v) { return H - BOTTOM - (H - BOTTOM - TOP) * v / top; }
  series.forEach(function (points, i) {
    if (points.length === 0) return;
    children.push(svgElement("polyline", {
      class: "series-" + i,
      points: points.map(function (p) { return x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1); }).join(" "),
    }));
    var last = points[points.length - 1];
    children.push(svgElement("circle", { class: "series-" + i, cx: x(last[0]), cy: y(last[1]), r: 3 }));
  });
  var max = svgElement("text", { x: LEFT + 2, y: TOP - 4 });
  max.textContent = "max " + count(Math.round(top)) + " " + unit;
  var span = svgElement("text", { x: W - 2, y: H - 4, "text-anchor": "end" });
  span.textContent = "last " + duration((t1 - t0) / 1000);
  children.push(max, span);
  svg.replaceChildren.apply(svg, children);
}

function renderMigration(migration, samples) {
  var section = byId("migration");
  byId("migration-none").hidden = migration !== null;
  byId("migration-details").hidden = migration === null;
  section.classList.toggle("done", Boolean(migration && migration.done));
  if (migration) {
    var fraction = migration.done ? 1 : migration.total ? Math.min(1, migration.scanned / migration.total) : 0;
    byId("migration-bar").style.width = (fraction * 100).toFixed(1) + "%";
    setText("migration-state", migration.done ? "done" : "sweeping");
    setText("migration-percent", migration.total === null && !migration.done ? "" : (fraction * 100).toFixed(1) + "%");
    setText("migration-moved", count(migration.moved));
    setText("migration-scanned", count(migration.scanned));
    setText("migration-total", count(migration.total));
    setText("migration-remaining", count(migration.remaining));
    setText("migration-errors", count(migration.errors));
  }
  var copied = samples.map(function (s) { return [s.time, s.keysCopied]; });
  var swept = samples.filter(function (s) { return s.swept !== null; }).map(function (s) { return [s.time, s.swept]; });
  renderChart(byId("moved-chart"), [copied, swept], "keys");
}

function renderErrors(errors) {
  byId("errors-empty").hidden = errors.length > 0;
  var items = errors.map(function (entry) {
    var li = document.createElement("li");
    li.setAttribute("data-testid", "recent-error");
    var time = document.createElement("span");
    time.className = "time";
    time.textContent = new Date(entry.time).toLocaleTimeString();
    var level = document.createElement("span");
    level.className = "level level-" + (entry.level === "error" ? "error" : "warn");
    level.textContent = entry.level;
    var message = document.createElement("span");
    message.className = "message";
    message.textContent = entry.message;
    var fields = document.createElement("span");
    fields.className = "fields";
    fields.textContent = Object.keys(entry.fields).map(function (key) {
      return key + "=" + String(entry.fields[key]);
    }).join(" ");
    li.append(time, level, message, fields);
    return li;
  });
  byId("errors").replaceChildren.apply(byId("errors"), items);
}

function render(report) {
  setText("mode", report.process.mode);
  setText("listen", report.process.listen);
  setText("uptime", duration(report.process.uptimeSeconds));
  setText("updated", new Date(report.time).toLocaleTimeString());
  var traffic = report.traffic;
  setText("request-rate", rate(traffic.requestsPerSecond));
  setText("latency-p50", ms(traffic.p50Ms));
  setText("latency-p99", ms(traffic.p99Ms));
  setText("requests", count(traffic.requests));
  setText("clients", count(traffic.clients));
  setText("upstream-errors", count(traffic.upstreamErrors));
  var samples = report.history.samples;
  renderChart(byId("rate-chart"), [samples.filter(function (s) { return s.requestsPerSecond !== null; })
    .map(function (s) { return [s.time, s.requestsPerSecond]; })], "req/s");
  renderUpstreams(report.upstreams);
  renderMigration(report.migration, samples);
  renderErrors(report.recentErrors);
}

function showFailure(error) {
  var banner = byId("fetch-error");
  banner.hidden = false;
  banner.textContent = "Cannot reach the proxy (" + (error && error.message ? error.message : String(error)) +
    "); retrying every " + (REFRESH_MS / 1000) + " s." +
    (lastSuccess ? " The numbers below are from " + lastSuccess.toLocaleTimeString() + "." : "");
  document.body.classList.add("stale");
}

async function refresh() {
  try {
    var response = await fetch("/admin/status", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    lastSuccess = new Date();
    byId("fetch-error").hidden = true;
    document.body.classList.remove("stale");
  } catch (error) {
    showFailure(error);
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}
refresh();
</script>
</body>
</html>
`;
