import { ConfigError, readableSecretsWarning } from "../config/mod.ts";
import type { Config } from "../config/mod.ts";
import { type Metrics, startHttpServer } from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Sweeper } from "../migrate/mod.ts";
import type { ProxyServer } from "../server/mod.ts";
import type { Rebalancer } from "../shard/mod.ts";
import { ProxyRuntime, type ReloadOutcome } from "./proxy_runtime.ts";
import { startStatusBoard } from "./status_wiring.ts";

/** Where the proxy listens. */
export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Port of /metrics and /health; 0 picks a free port, undefined disables. */
  instruPort?: number;
  log?: Logger;
  /** Reads the config again for a reload (SIGHUP, POST /admin/reload); throws ConfigError. */
  loadConfig?: () => Promise<Config>;
  /** The config file: a warning is logged when it holds secrets others may read. */
  configFile?: string;
  /** `--log-arguments`: with debug lines on, commands are logged with their arguments. */
  logArguments?: boolean;
}

/** A running proxy, for the CLI and for tests. */
export interface RunningProxy {
  readonly port: number;
  readonly instruPort: number | undefined;
  readonly metrics: Metrics;
  readonly server: ProxyServer;
  /** The migration sweeper, when `[Migration] Sweep = true` (a reload may replace it). */
  readonly sweeper: Sweeper | undefined;
  /** The rebalancer of the last reload that changed a ring's `Addrs`. */
  readonly rebalancer: Rebalancer | undefined;
  /** True from a reload that changed a ring's `Addrs` until the new ring alone serves. */
  readonly rebalancing: boolean;
  /** Applies a new config; see {@linkcode ProxyRuntime.reload}. */
  reload(next: Config): Promise<ReloadOutcome>;
  /**
   * Reads the config again and applies it; a config that does not load is rejected (logged,
   * counted, returned) and the running one stays.
   */
  reloadFromFile(): Promise<ReloadOutcome | ConfigError>;
  /** Graceful stop within `ShutdownTimeout`; resolves with the number of clients cut off. */
  shutdown(): Promise<number>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the proxy a config describes, with its HTTP endpoint. */
export function startProxy(config: Config, options: ListenOptions): RunningProxy {
  const { host, log } = options;
  const runtime = ProxyRuntime.start(config, {
    host,
    port: options.port,
    log,
    logArguments: options.logArguments,
  });
  const checkFileMode = async (loaded: Config, at: "start" | "reload") => {
    if (options.configFile === undefined) return;
    const warning = await readableSecretsWarning(options.configFile, loaded);
    if (warning) log?.warn(warning, { at });
  };
  void checkFileMode(config, "start");
  const reloadFromFile = async (): Promise<ReloadOutcome | ConfigError> => {
    if (!options.loadConfig) return new ConfigError("", undefined, "no config file to reload");
    try {
      const next = await options.loadConfig();
      await checkFileMode(next, "reload");
      // A reload the proxy cannot take now (a ring rebalance under way) is refused alike.
      return await runtime.reload(next);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      runtime.rejected(error.message);
      return error;
    }
  };
  const status = options.instruPort === undefined ? undefined : startStatusBoard({
    runtime,
    metrics: runtime.metrics,
    log,
    host,
    port: runtime.server.port,
  });
  let http: ReturnType<typeof startHttpServer> | undefined;
  if (options.instruPort !== undefined) {
    try {
      http = startHttpServer({
        hostname: host,
        port: options.instruPort,
        metrics: runtime.metrics,
        probes: () => runtime.probes,
        json: {
          "/admin/migration": () => {
            const sweeper = runtime.sweeper;
            if (sweeper) return { ...sweeper.progress, remaining: sweeper.remaining };
            const rebalancer = runtime.rebalancer;
            return rebalancer ? { ring: rebalancer.progress } : null;
          },
          ...status?.json,
        },
        pages: status?.pages,
        actions: {
          "/admin/reload": async () => {
            const outcome = await reloadFromFile();
            if (outcome instanceof ConfigError) {
              return Response.json({ error: outcome.message }, { status: 400 });
            }
            return Response.json(outcome);
          },
        },
        adminToken: () => runtime.config.adminToken,
      });
    } catch (error) {
      void status?.stop();
      void runtime.close();
      throw error;
    }
  }
  const stopHttp = async () => {
    await Promise.all([http?.shutdown(), status?.stop()]);
  };
  const close = async () => {
    await Promise.all([runtime.close(), stopHttp()]);
  };
  return {
    port: runtime.server.port,
    instruPort: http?.port,
    metrics: runtime.metrics,
    server: runtime.server,
    get sweeper() {
      return runtime.sweeper;
    },
    get rebalancer() {
      return runtime.rebalancer;
    },
    get rebalancing() {
      return runtime.rebalancing;
    },
    reload: (next) => runtime.reload(next),
    reloadFromFile,
    async shutdown() {
      // /health and /metrics stay up while clients drain, so the drain can be watched.
      const cut = await runtime.shutdown();
      await stopHttp();
      return cut;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
