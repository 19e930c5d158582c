import assert from "node:assert/strict";
import fs from "node:fs";
import type { Browser, Page } from "playwright-core";
import { localServerConfig, startProxy } from "../lib/cli/mod.ts";
import type { Config } from "../lib/config/mod.ts";
import { Logger } from "../lib/log/mod.ts";
import { ioredisClient as client } from "./_util/clients.ts";
import { integrationTest } from "./_util/integration.ts";
import { RedisServer, waitFor } from "./_util/redis.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = "test_output/status_page.png";
const KEYS = 20_000;
/** Keys per second: the sweep takes about five seconds, long enough to watch it. */
const SWEEP_RATE = 4_000;

/**
 * Loads playwright-core. At load time it asks whether it runs under WSL with
 * `fs.existsSync("/proc/sys/fs/binfmt_misc/WSLInterop")`, which Deno refuses with NotCapable
 * unless a test runs with --allow-all, where Node answers false; the test task grants named
 * permissions only, so while the module loads such a refusal counts as "does not exist".
 */
async function importPlaywright(): Promise<typeof import("playwright-core")> {
  const existsSync = fs.existsSync;
  fs.existsSync = (path) => {
    try {
      return existsSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) return false;
      throw error;
    }
  };
  try {
    return await import("playwright-core");
  } finally {
    fs.existsSync = existsSync;
  }
}

async function launchChromium(): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(
      `${CHROMIUM} not found: the status page test needs Chromium; ` +
        "install it with: apt-get install -y chromium",
    );
  }
  const { chromium } = await importPlaywright();
  // Tests may run as root, where Chromium refuses its sandbox.
  return await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

/** The text of the element with `data-testid`, trimmed. */
async function shown(page: Page, testId: string): Promise<string> {
  return ((await page.getByTestId(testId).textContent()) ?? "").trim();
}

/** A number as the page shows it (`20,000`); NaN for the dash of an unknown one. */
async function shownNumber(page: Page, testId: string): Promise<number> {
  return Number((await shown(page, testId)).replaceAll(",", ""));
}

/** The status cell of one upstream member's row. */
function memberCell(page: Page, group: string, testId: "member-status" | "member-error") {
  return page.locator(`[data-testid="upstream-member"][data-group="${group}"]`).getByTestId(testId);
}

/** GETs of source keys (copies by reads) and SETs of new keys, until stopped. */
function driveTraffic(app: ReturnType<typeof client>) {
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      await app.get(`key:${(i * 7919) % KEYS}`);
      await app.set(`new:${i}`, `${i}`);
    }
  })();
  const stop = async () => {
    running = false;
    await loop;
  };
  return { stop, [Symbol.asyncDispose]: stop };
}

integrationTest(
  "the status page shows upstream health, migration progress, traffic and errors",
  async () => {
    await using browser = await launchChromium();
    await using source = await RedisServer.start({ args: ["--enable-debug-command", "yes"] });
    await using destination = await RedisServer.start();
    {
      await using seed = client(source.port);
      await seed.call("DEBUG", "POPULATE", KEYS, "key", 16);
    }
    const config: Config = {
      deleteOnGet: false,
      deleteOnSet: false,
      source: localServerConfig(source),
      destination: localServerConfig(destination),
      migration: { sweep: true, rate: SWEEP_RATE },
    };
    const log = new Logger({ write: () => {} });
    const proxy = startProxy(config, { host: "127.0.0.1", port: 0, instruPort: 0, log });
    let proxyClosed: Promise<void> | undefined;
    const closeProxy = () => proxyClosed ??= proxy.close();
    await using _proxy = { [Symbol.asyncDispose]: closeProxy };
    await using app = client(proxy.port);
    await using traffic = driveTraffic(app);
    const sweeper = proxy.sweeper!;

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`http://127.0.0.1:${proxy.instruPort}/`);
    await waitFor(async () => (await shown(page, "updated")) !== "never", {
      message: "the page never rendered /admin/status",
    });
    assert.equal(await shown(page, "mode"), "migration");
    assert.equal(await shown(page, "listen"), `127.0.0.1:${proxy.port}`);
    assert.equal(await memberCell(page, "source", "member-status").textContent(), "OK");
    assert.equal(await memberCell(page, "destination", "member-status").textContent(), "OK");
    const sourceRow = page.locator('[data-testid="upstream-member"][data-group="source"]');
    assert.match(
      (await sourceRow.textContent()) ?? "",
      new RegExp(`127\\.0\\.0\\.1:${source.port}`),
    );

    // The page polls every 2 s, so what it shows can only trail the sweeper, never lead it.
    // (waitFor retries a condition that throws, so what is seen is collected and checked after.)
    let watchedInProgress = 0;
    const ahead: string[] = [];
    await waitFor(async () => {
      const state = await shown(page, "migration-state");
      const moved = await shownNumber(page, "migration-moved");
      const scanned = await shownNumber(page, "migration-scanned");
      const actual = { ...sweeper.progress };
      if (moved > actual.moved) ahead.push(`${moved} moved shown, ${actual.moved} actual`);
      if (scanned > actual.scanned) {
        ahead.push(`${scanned} scanned shown, ${actual.scanned} actual`);
      }
      if (state === "sweeping" && moved > 0 && moved < KEYS) watchedInProgress++;
      return state === "done";
    }, { timeoutMs: 20_000, intervalMs: 100, message: "the page never showed the sweep done" });
    assert.deepEqual(ahead, [], "the page never runs ahead of the sweeper");
    assert.ok(watchedInProgress > 0, "the page showed the sweep under way at least once");
    assert.equal(sweeper.progress.done, true);
    assert.equal(await shownNumber(page, "migration-moved"), KEYS);
    assert.equal(await shownNumber(page, "migration-moved"), sweeper.progress.moved);
    assert.equal(await shownNumber(page, "migration-total"), KEYS);
    assert.equal(await shownNumber(page, "migration-remaining"), 0);
    assert.equal(await shownNumber(page, "migration-errors"), 0);
    assert.equal(await shown(page, "migration-percent"), "100.0%");
    const chartPoints = Number(await page.getByTestId("moved-chart").getAttribute("data-points"));
    assert.ok(chartPoints >= 2, `the keys-moved chart has ${chartPoints} points`);
    assert.ok(await page.locator('[data-testid="moved-chart"] polyline').count() >= 1);

    // Rates need two samples; the traffic is still running.
    await waitFor(async () => (await shownNumber(page, "request-rate")) > 0, {
      timeoutMs: 10_000,
      intervalMs: 100,
      message: "the page never showed a request rate",
    });
    assert.match(await shown(page, "latency-p50"), /^[\d.,]+ ms$/);
    assert.match(await shown(page, "latency-p99"), /^[\d.,]+ ms$/);
    assert.ok(Number(await page.getByTestId("rate-chart").getAttribute("data-points")) >= 1);
    assert.equal(await shown(page, "errors-empty"), "None.");
    await traffic.stop();

    await source.stop();
    await assert.rejects(app.get("missing:key"), /source/);
    await waitFor(async () => {
      const status = await memberCell(page, "source", "member-status").textContent();
      return status === "Error" && await page.getByTestId("recent-error").count() > 0;
    }, { timeoutMs: 10_000, intervalMs: 100, message: "the page never showed the source down" });
    assert.match((await memberCell(page, "source", "member-error").textContent()) ?? "", /\S/);
    assert.equal(await memberCell(page, "destination", "member-status").textContent(), "OK");
    assert.match((await page.getByTestId("recent-error").first().textContent()) ?? "", /upstream/);
    await Deno.mkdir("test_output", { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Once the proxy is gone the page says so instead of showing stale numbers as live.
    await closeProxy();
    await waitFor(() => page.getByTestId("fetch-error").isVisible(), {
      timeoutMs: 10_000,
      message: "the page never said it cannot reach the proxy",
    });
    assert.match(await shown(page, "fetch-error"), /Cannot reach the proxy/);
  },
);

integrationTest(
  "/admin/status names upstreams by address and never carries a password",
  async () => {
    const secrets = { source: "source-secret-1", destination: "destination-secret-2" };
    await using source = await RedisServer.start({ password: secrets.source });
    await using destination = await RedisServer.start({ password: secrets.destination });
    const config: Config = {
      deleteOnGet: false,
      deleteOnSet: false,
      password: "client-secret-3",
      source: localServerConfig(source, { password: secrets.source }),
      destination: localServerConfig(destination, { password: secrets.destination }),
    };
    await using proxy = startProxy(config, { host: "127.0.0.1", port: 0, instruPort: 0 });
    const response = await fetch(`http://127.0.0.1:${proxy.instruPort}/admin/status`);
    const text = await response.text();
    for (const secret of [...Object.values(secrets), "client-secret-3"]) {
      assert.ok(!text.includes(secret), `the status JSON carries ${secret}`);
    }
    const report = JSON.parse(text);
    assert.equal(report.process.mode, "migration");
    assert.equal(report.migration, null, "no sweeper configured");
    assert.deepEqual(report.upstreams, [
      {
        name: "source",
        status: "OK",
        members: [
          { name: "source", address: source.addr, role: null, status: "OK", error: null },
        ],
      },
      {
        name: "destination",
        status: "OK",
        members: [
          { name: "destination", address: destination.addr, role: null, status: "OK", error: null },
        ],
      },
    ]);
    const page = await fetch(`http://127.0.0.1:${proxy.instruPort}/`);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await page.text(), /<title>Remiro status<\/title>/);
  },
);
