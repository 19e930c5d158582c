import { parseArgs } from "node:util";
import type { Config, ServerConfig } from "../config/mod.ts";
import { encodeCommand, errorMessage } from "../resp/mod.ts";
import { REDIS_INSTALL_HINT, RedisServer, redisServerAvailable } from "../redis_process/mod.ts";
import { UpstreamConnection } from "../upstream/mod.ts";
import { DEMO_COMMANDS, demoHints } from "./demo_data.ts";
import type { Output } from "./main.ts";
import { startProxy } from "./start_proxy.ts";
import { UsageError } from "./usage_error.ts";

/** The config section of a local throwaway server, with `extra` settings on top. */
export function localServerConfig(
  server: RedisServer,
  extra: Partial<ServerConfig> = {},
): ServerConfig {
  return {
    addr: { hostname: server.hostname, port: server.port },
    addrText: server.addr,
    db: 0,
    maxIdleConns: 10,
    idleTimeoutMs: 30_000,
    ...extra,
  };
}

async function fill(server: RedisServer): Promise<void> {
  const conn = await UpstreamConnection.open({
    addr: { hostname: server.hostname, port: server.port },
    addrText: server.addr,
    target: "source",
    db: 0,
  });
  try {
    const replies = await Promise.all(DEMO_COMMANDS.map((c) => conn.send(encodeCommand(c))));
    const failed = replies.map(errorMessage).find((m) => m !== undefined);
    if (failed) throw new Error(`cannot fill the demo source: ${failed}`);
  } finally {
    conn.close();
  }
}

/**
 * `remiro demo`: two throwaway redis-servers (a source with sample keys of every type and an
 * empty destination) and the proxy in front of them, until `stop` resolves.
 */
export async function runDemo(
  args: string[],
  output: Output,
  stop: () => Promise<unknown>,
): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      strict: true,
      options: {
        port: { type: "string", short: "p", default: "6379" },
        "instru-port": { type: "string", short: "i", default: "8888" },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!await redisServerAvailable()) {
    output.err(`remiro demo: ${REDIS_INSTALL_HINT}`);
    return 1;
  }
  await using source = await RedisServer.start();
  await using destination = await RedisServer.start();
  await fill(source);
  const config: Config = {
    deleteOnGet: false,
    deleteOnSet: false,
    source: localServerConfig(source),
    destination: localServerConfig(destination),
  };
  await using proxy = startProxy(config, {
    host: "127.0.0.1",
    port: Number(values.port),
    instruPort: Number(values["instru-port"]),
  });
  output.out(`Remiro demo
  source redis       ${source.addr}  (${DEMO_COMMANDS.length} sample keys of every type)
  destination redis  ${destination.addr}  (empty)
  proxy              127.0.0.1:${proxy.port}
  metrics, health    http://127.0.0.1:${proxy.instruPort}/metrics, /health`);
  output.out(demoHints(proxy.port, proxy.instruPort ?? 0));
  await stop();
  output.out("stopping");
  return 0;
}
