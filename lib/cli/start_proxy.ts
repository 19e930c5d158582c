import { commandNames } from "../commands/mod.ts";
import type { Config } from "../config/mod.ts";
import { Metrics, startHttpServer } from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import { Gauge } from "prom-client";
import { Sweeper } from "../migrate/mod.ts";
import { buildRouter, MigrateRouter } from "../route/mod.ts";
import { ProxyServer } from "../server/mod.ts";

/** Where the proxy listens. */
export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Port of /metrics and /health; 0 picks a free port, undefined disables. */
  instruPort?: number;
  log?: Logger;
}

/** A running proxy, for the CLI and for tests. */
export interface RunningProxy {
  readonly port: number;
  readonly instruPort: number | undefined;
  readonly metrics: Metrics;
  readonly server: ProxyServer;
  /** The migration sweeper, when `[Migration] Sweep = true`. */
  readonly sweeper?: Sweeper;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the proxy a config describes, with its HTTP endpoint. */
export function startProxy(config: Config, options: ListenOptions): RunningProxy {
  const metrics = new Metrics(commandNames());
  const router = buildRouter(config, metrics);
  let server: ProxyServer;
  try {
    server = ProxyServer.start({
      hostname: options.host,
      port: options.port,
      router,
      metrics,
      password: config.password,
      allowFlush: config.allowFlush ?? false,
      log: options.log,
    });
  } catch (error) {
    router.close();
    throw error;
  }
  const sweeper = startSweeper(config, router, metrics, options.log);
  let http: ReturnType<typeof startHttpServer> | undefined;
  if (options.instruPort !== undefined) {
    try {
      http = startHttpServer({
        hostname: options.host,
        port: options.instruPort,
        metrics,
        probes: router.probes,
        json: sweeper ? { "/admin/migration": () => ({ ...sweeper.progress }) } : undefined,
      });
    } catch (error) {
      void sweeper?.stop();
      server.close();
      throw error;
    }
  }
  const close = async () => {
    await sweeper?.stop();
    await Promise.all([server.close(), http?.shutdown()]);
  };
  return {
    port: server.port,
    instruPort: http?.port,
    metrics,
    server,
    sweeper,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Starts the migration sweeper when the config asks for it, with its progress in /metrics. */
function startSweeper(
  config: Config,
  router: ReturnType<typeof buildRouter>,
  metrics: Metrics,
  log?: Logger,
): Sweeper | undefined {
  const options = config.migration;
  if (!options?.sweep || !(router instanceof MigrateRouter)) return undefined;
  const sweeper = new Sweeper(router.copier, router.source, {
    match: options.match,
    rate: options.rate,
    log,
  });
  const progress = sweeper.progress;
  new Gauge({
    name: "remiro_migration_sweep_keys",
    help: "Keys the migration sweeper scanned, moved (copied or already there) and failed on",
    labelNames: ["state"],
    registers: [metrics.registry],
    collect() {
      this.set({ state: "scanned" }, progress.scanned);
      this.set({ state: "moved" }, progress.moved);
      this.set({ state: "errors" }, progress.errors);
    },
  });
  new Gauge({
    name: "remiro_migration_sweep_done",
    help: "1 once the sweeper has walked the whole source",
    registers: [metrics.registry],
    collect() {
      this.set(progress.done ? 1 : 0);
    },
  });
  sweeper.start();
  return sweeper;
}
