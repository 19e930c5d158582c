import { commandNames } from "../commands/mod.ts";
import type { Config } from "../config/mod.ts";
import { Metrics, startHttpServer } from "../http/mod.ts";
import { buildRouter } from "../route/mod.ts";
import { ProxyServer } from "../server/mod.ts";

/** Where the proxy listens. */
export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Port of /metrics and /health; 0 picks a free port, undefined disables. */
  instruPort?: number;
  log?: (message: string) => void;
}

/** A running proxy, for the CLI and for tests. */
export interface RunningProxy {
  readonly port: number;
  readonly instruPort: number | undefined;
  readonly metrics: Metrics;
  readonly server: ProxyServer;
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
  let http: ReturnType<typeof startHttpServer> | undefined;
  if (options.instruPort !== undefined) {
    try {
      http = startHttpServer({
        hostname: options.host,
        port: options.instruPort,
        metrics,
        probes: router.probes,
      });
    } catch (error) {
      server.close();
      throw error;
    }
  }
  const close = async () => {
    await Promise.all([server.close(), http?.shutdown()]);
  };
  return {
    port: server.port,
    instruPort: http?.port,
    metrics,
    server,
    close,
    [Symbol.asyncDispose]: close,
  };
}
