import { DEFAULT_AUTH_FAILURE_LIMIT, DEFAULT_AUTH_FAILURE_WINDOW_MS } from "../acl/mod.ts";
import { commandNames } from "../commands/mod.ts";
import { type Config, DEFAULT_SHUTDOWN_TIMEOUT_MS } from "../config/mod.ts";
import { type HealthProbe, Metrics } from "../http/mod.ts";
import { groupsOf, registerGroupMetrics } from "../failover/mod.ts";
import type { Logger } from "../log/mod.ts";
import { Sweeper } from "../migrate/mod.ts";
import { sweepPlanOf } from "./migration_sweep.ts";
import { buildRebalancingRouter, buildRouter, MigrateRouter, type Router } from "../route/mod.ts";
import { Rebalancer, type RebalancingRouter } from "../shard/mod.ts";
import { ProxyServer } from "../server/mod.ts";
import { Counter, Gauge } from "prom-client";
import {
  DEFAULT_REBALANCE_RATE,
  isRingResize,
  registerRebalanceGauges,
  ReloadRefused,
} from "./ring_rebalance.ts";
import { startCopyHooks } from "./hook_args.ts";

/** What a reload changed, and what it could not change without a restart. */
export interface ReloadOutcome {
  /** Config keys (or sections) whose new values are in effect. */
  changed: string[];
  /** Changed keys that only take effect at start. */
  needRestart: string[];
}

/** Where the proxy listens. */
export interface RuntimeListen {
  host: string;
  /** 0 picks a free port. */
  port: number;
  log?: Logger;
  /** `--log-arguments`: debug lines of commands carry their arguments, not only names. */
  logArguments?: boolean;
}

const DEFAULT_AUTH_LIMITS = {
  limit: DEFAULT_AUTH_FAILURE_LIMIT,
  windowMs: DEFAULT_AUTH_FAILURE_WINDOW_MS,
};

/** The upstream side of a config: a change here needs new connections (a new router). */
function routerShape(config: Config): string {
  return JSON.stringify([
    config.source ?? null,
    config.destination,
    config.deleteOnGet,
    config.deleteOnSet,
  ]);
}

function migrationShape(config: Config): string {
  const m = config.migration;
  return JSON.stringify(m ? { ...m, regex: m.regex?.source ?? null } : null);
}

/**
 * The proxy's moving parts that a config describes: the client listener, the router with its
 * upstream pools, and the migration sweeper. {@linkcode ProxyRuntime.reload} applies a new
 * config while clients stay connected; {@linkcode ProxyRuntime.shutdown} stops gracefully.
 */
export class ProxyRuntime {
  readonly metrics: Metrics;
  readonly server: ProxyServer;
  #config: Config;
  #sweeper: Sweeper | undefined;
  /** The last ring rebalance (kept once done, for its metrics). */
  #rebalancer: Rebalancer | undefined;
  /** Until the rebalanced ring alone serves, other upstream changes are refused. */
  #rebalancing = false;
  #log: Logger | undefined;
  #reloads: Counter<"result">;
  #reloading: Promise<unknown> = Promise.resolve();
  #startedAt = Date.now();
  #reloadedAt: number | undefined;

  private constructor(config: Config, server: ProxyServer, metrics: Metrics, log?: Logger) {
    this.#config = config;
    this.server = server;
    this.metrics = metrics;
    this.#log = log;
    this.#reloads = new Counter({
      name: "remiro_config_reloads_total",
      help: "Config reloads (SIGHUP or POST /admin/reload), applied or rejected",
      labelNames: ["result"],
      registers: [metrics.registry],
    });
    // Both series exist from the start, so a dashboard shows 0 rather than no data.
    this.#reloads.labels("applied").inc(0);
    this.#reloads.labels("rejected").inc(0);
    registerSweepGauges(metrics, () => this.#sweeper);
    registerRebalanceGauges(metrics, () => this.#rebalancer);
    registerGroupMetrics(metrics.registry, () => groupsOf(this.server.router.targets));
    this.#startSweeper(server.router);
    // `Hooks`: loaded in the background; copies wait for them.
    if (config.hooks) this.#hooks = startCopyHooks(config.hooks, (m) => log?.warn(m));
    this.#useHooks(server.router);
  }

  #hooks: ReturnType<typeof startCopyHooks> | undefined;

  #useHooks(router: Router): void {
    if (this.#hooks && router instanceof MigrateRouter) router.copier.useHooks(this.#hooks.ready);
  }

  /** Starts listening; throws when the port cannot be bound. */
  static start(config: Config, listen: RuntimeListen): ProxyRuntime {
    const metrics = new Metrics(commandNames());
    const router = buildRouter(config, metrics, listen.log);
    let server: ProxyServer;
    try {
      server = ProxyServer.start({
        hostname: listen.host,
        port: listen.port,
        router,
        metrics,
        password: config.password,
        users: config.users,
        authLimits: config.authLimits,
        // Decided once here: with debug lines off, commands build no log text at all.
        commandLog: listen.log?.enabled("debug")
          ? (listen.logArguments ? "arguments" : "names")
          : undefined,
        allowFlush: config.allowFlush ?? false,
        reusePort: config.reusePort,
        tls: config.tls,
        limits: config.limits,
        log: listen.log,
      });
    } catch (error) {
      router.close();
      throw error;
    }
    return new ProxyRuntime(config, server, metrics, listen.log);
  }

  /** The config in effect. */
  get config(): Config {
    return this.#config;
  }

  /** The migration sweeper, when `[Migration] Sweep = true`. */
  get sweeper(): Sweeper | undefined {
    return this.#sweeper;
  }

  /** The ring rebalancer of the last reload that changed a ring's `Addrs`. */
  get rebalancer(): Rebalancer | undefined {
    return this.#rebalancer;
  }

  /** True from a reload that changed a ring's `Addrs` until the new ring alone serves. */
  get rebalancing(): boolean {
    return this.#rebalancing;
  }

  /** The current upstreams' health probes. */
  get probes(): readonly HealthProbe[] {
    return this.server.router.probes;
  }

  /** When the proxy started and when its config was last reloaded (epoch milliseconds). */
  get times(): { startedAt: number; reloadedAt: number | undefined } {
    return { startedAt: this.#startedAt, reloadedAt: this.#reloadedAt };
  }

  /**
   * Applies a new, already validated config. Unchanged upstreams keep their connections;
   * changed ones get a new router while commands in flight finish on the old one. Reloads run
   * one at a time.
   */
  reload(next: Config): Promise<ReloadOutcome> {
    const run = this.#reloading.then(() => this.#apply(next));
    this.#reloading = run.catch(() => {});
    return run;
  }

  /** Counts a reload that was refused (the new config did not load) and logs why. */
  rejected(reason: string): void {
    this.#reloads.labels("rejected").inc();
    this.#log?.error("config reload rejected, the running config stays", { reason });
  }

  /**
   * Graceful shutdown: stops accepting, finishes the commands clients already sent, then closes.
   * Resolves with the number of clients cut off at the deadline (`ShutdownTimeout`).
   */
  async shutdown(deadlineMs = this.#config.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS) {
    await this.#sweeper?.stop();
    await this.#rebalancer?.stop();
    try {
      return await this.server.shutdown(deadlineMs);
    } finally {
      this.#hooks?.close();
    }
  }

  /** Stops at once: clients are disconnected. */
  async close(): Promise<void> {
    await this.#sweeper?.stop();
    await this.#rebalancer?.stop();
    await this.server.close();
    this.#hooks?.close();
  }

  async #apply(next: Config): Promise<ReloadOutcome> {
    const previous = this.#config;
    const changed: string[] = [];
    const needRestart: string[] = [];
    if (Boolean(next.reusePort) !== Boolean(previous.reusePort)) needRestart.push("ReusePort");
    // The listener's certificate is loaded when it binds; PEM texts compare, never logged.
    if (JSON.stringify(next.tls ?? null) !== JSON.stringify(previous.tls ?? null)) {
      needRestart.push("TlsCert/TlsKey/TlsCaCert");
    }
    // Hooks run in a worker started with the proxy (its permissions fixed at that start).
    if (JSON.stringify(next.hooks ?? null) !== JSON.stringify(previous.hooks ?? null)) {
      needRestart.push("Hooks");
    }
    const upstreams = routerShape(next) !== routerShape(previous);
    if (upstreams && this.#rebalancing) {
      const left = this.#rebalancer?.progress.remaining;
      throw new ReloadRefused(
        `a ring rebalance is under way (${left ?? "an unknown number of"} keys left); ` +
          "reload again when it is done",
      );
    }
    const migration = migrationShape(next) !== migrationShape(previous);
    if (next.password !== previous.password) changed.push("Password");
    if (Boolean(next.allowFlush) !== Boolean(previous.allowFlush)) changed.push("AllowFlush");
    if (next.adminToken !== previous.adminToken) changed.push("AdminToken");
    if (next.shutdownTimeoutMs !== previous.shutdownTimeoutMs) changed.push("ShutdownTimeout");
    if (JSON.stringify(next.users ?? []) !== JSON.stringify(previous.users ?? [])) {
      changed.push("Users");
    }
    if (JSON.stringify(next.authLimits) !== JSON.stringify(previous.authLimits)) {
      changed.push("AuthFailureLimit/AuthFailureWindow");
    }
    // MaxClients and Timeout apply at once; the request and output limits to new clients.
    if (JSON.stringify(next.limits) !== JSON.stringify(previous.limits)) changed.push("limits");
    this.server.reconfigure({
      password: next.password,
      users: next.users,
      authLimits: next.authLimits ?? DEFAULT_AUTH_LIMITS,
      allowFlush: next.allowFlush,
      limits: next.limits,
    });
    this.#config = next;
    if (upstreams || migration) await this.#sweeper?.stop();
    if (upstreams) {
      changed.push("upstreams");
      const drainMs = next.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
      if (isRingResize(previous, next)) {
        const router = buildRebalancingRouter(previous, next, this.metrics);
        await this.server.replaceRouter(router, drainMs);
        this.#startRebalance(router);
      } else {
        await this.server.replaceRouter(buildRouter(next, this.metrics, this.#log), drainMs);
      }
    }
    if (migration) changed.push("Migration");
    if (upstreams || migration) this.#startSweeper(this.server.router);
    if (upstreams) this.#useHooks(this.server.router);
    this.#reloads.labels("applied").inc();
    this.#reloadedAt = Date.now();
    this.#log?.info("config reloaded", {
      changed: changed.join(",") || "nothing",
      needRestart: needRestart.join(",") || undefined,
    });
    return { changed, needRestart };
  }

  /**
   * Moves the keys of a resized ring in the background. Once none is left on a node that does
   * not own it, the new ring alone serves (after the rebalancing router's commands finished),
   * and the pools of every node, removed ones too, close once their commands finish.
   */
  #startRebalance(router: RebalancingRouter): void {
    const started = performance.now();
    const rate = this.#config.destination.group?.rebalanceRate ?? DEFAULT_REBALANCE_RATE;
    const rebalancer = new Rebalancer(router, { rate, log: this.#log });
    this.#rebalancer = rebalancer;
    this.#rebalancing = true;
    this.#log?.info("ring rebalance started", {
      from: router.old.nodes.length,
      to: router.next.nodes.length,
      rate,
    });
    void rebalancer.run().then((done) => {
      if (!done) return;
      // In turn with reloads: none may change the upstreams before the new ring serves.
      const finish = this.#reloading.then(async () => {
        const config = this.#config;
        const drainMs = config.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
        await this.server.replaceRouter(buildRouter(config, this.metrics, this.#log), drainMs);
        this.#rebalancing = false;
        const { moved, passes, errors } = rebalancer.progress;
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        this.#log?.info(`ring rebalanced moved=${moved}`, { seconds, passes, errors });
      });
      this.#reloading = finish.catch((error) => {
        this.#log?.error("ring rebalance: the new ring could not be put in service", {
          error: (error as Error).message,
        });
      });
    });
  }

  #startSweeper(router: Router): void {
    this.#sweeper = undefined;
    const options = this.#config.migration;
    if (!options?.sweep) return;
    const plan = sweepPlanOf(router);
    if (plan === undefined) return;
    this.#sweeper = new Sweeper(plan.source, plan.move, {
      match: options.match,
      regex: options.regex,
      rate: options.rate,
      log: this.#log,
    });
    this.#sweeper.start();
  }
}

/** The sweeper's progress in /metrics; the sweeper changes when a reload restarts it. */
function registerSweepGauges(metrics: Metrics, current: () => Sweeper | undefined): void {
  new Gauge({
    name: "remiro_migration_sweep_keys",
    help: "Keys the migration sweeper scanned, moved (copied or already there), failed on, " +
      "and still has to scan (estimated from the source's DBSIZE at the start)",
    labelNames: ["state"],
    registers: [metrics.registry],
    collect() {
      const sweeper = current();
      if (sweeper === undefined) return;
      const { progress } = sweeper;
      this.set({ state: "scanned" }, progress.scanned);
      this.set({ state: "moved" }, progress.moved);
      this.set({ state: "errors" }, progress.errors);
      const remaining = sweeper.remaining;
      if (remaining !== undefined) this.set({ state: "remaining" }, remaining);
    },
  });
  new Gauge({
    name: "remiro_migration_sweep_done",
    help: "1 once the sweeper has walked the whole source",
    registers: [metrics.registry],
    collect() {
      const sweeper = current();
      if (sweeper !== undefined) this.set(sweeper.progress.done ? 1 : 0);
    },
  });
}
