import type { Config } from "../../lib/config/mod.ts";
import { localServerConfig, type RunningProxy, startProxy } from "../../lib/cli/mod.ts";
import { RedisServer } from "../../lib/redis_process/mod.ts";
import { ioredisClient } from "./clients.ts";

/** Options of {@linkcode startMigration}. */
export interface MigrationOptions {
  deleteOnGet?: boolean;
  deleteOnSet?: boolean;
  password?: string;
  /** `AllowFlush`. */
  allowFlush?: boolean;
  /** Without a source the proxy is a plain proxy. */
  withSource?: boolean;
}

/**
 * A source and a destination redis-server, the proxy in front of them, and ioredis clients
 * to each: the fixture of the migration tests. Dispose with `await using`.
 */
export class Migration implements AsyncDisposable {
  private constructor(
    readonly source: RedisServer,
    readonly destination: RedisServer,
    readonly proxy: RunningProxy,
    readonly config: Config,
  ) {}

  static async start(options: MigrationOptions = {}): Promise<Migration> {
    const withSource = options.withSource ?? true;
    const [source, destination] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    const config: Config = {
      deleteOnGet: options.deleteOnGet ?? false,
      deleteOnSet: options.deleteOnSet ?? false,
      password: options.password,
      allowFlush: options.allowFlush,
      source: withSource ? localServerConfig(source) : undefined,
      destination: localServerConfig(destination),
    };
    const proxy = startProxy(config, { host: "127.0.0.1", port: 0, instruPort: 0 });
    return new Migration(source, destination, proxy, config);
  }

  /** A client of the proxy. */
  client(options: { db?: number; password?: string } = {}) {
    return ioredisClient(this.proxy.port, options);
  }

  /** A client of the source server, bypassing the proxy. */
  sourceClient() {
    return ioredisClient(this.source.port);
  }

  /** A client of the destination server, bypassing the proxy. */
  destinationClient() {
    return ioredisClient(this.destination.port);
  }

  /** The value of one remiro_* counter or gauge, from the proxy's registry. */
  async metric(name: string): Promise<number> {
    const text = (await this.proxy.metrics.render()).body;
    let total = 0;
    for (const line of text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        total += Number(line.slice(line.lastIndexOf(" ") + 1));
      }
    }
    return total;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.proxy.close();
    await Promise.all([this.source.stop(), this.destination.stop()]);
  }
}
