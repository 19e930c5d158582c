import { parseArgs } from "node:util";
import { LOG_LEVELS, type LogFormat, type LogLevel } from "../log/mod.ts";
import { UsageError } from "./usage_error.ts";

/** The proxy's command line, with the original Remiro's flags and defaults. */
export interface ProxyArgs {
  host: string;
  port: number;
  config: string;
  instruPort: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** `--log-arguments`: debug lines of commands carry their arguments (secrets redacted). */
  logArguments: boolean;
  help: boolean;
}

export const PROXY_USAGE = `Usage: remiro [options]
       remiro demo [-p PORT] [-i METRICS_PORT]

Remiro speaks the Redis protocol and moves keys from a source Redis to a destination Redis
while clients keep using it: reads come from the destination and fall back to the source,
copying the key; writes go to the destination.

Options:
  -h, --host HOST          address to listen on (default 127.0.0.1)
  -p, --port PORT          port to listen on (default 6379)
  -c, --config FILE        TOML configuration file (default config.toml)
  -i, --instru-port PORT   port of /metrics and /health (default 8888; 0 disables)
      --log-level LEVEL    debug, info (default), warn or error
      --log-format FORMAT  text (default) or json: one line per event on standard error
  -v, --verbose            the same as --log-level debug (connections, command names)
      --log-arguments      with debug lines on, log commands' arguments too (AUTH's never)
      --help               show this text

Commands:
  demo                     start two throwaway redis-servers and the proxy in front of them
  rdb                      read, list and filter RDB snapshots (remiro rdb --help)
  reshard                  split one Redis into several by key regex (remiro reshard --help)
  replicate                copy one database into another, then follow changes (--help)
  verify                   compare two databases key by key (remiro verify --help)
  health                   exit 0 when a running remiro's /health is OK (remiro health --help)
`;

function port(text: string, flag: string, allowZero: boolean): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65535 || (!allowZero && value === 0)) {
    throw new UsageError(`${flag}: "${text}" is not a port number (1-65535)`);
  }
  return value;
}

/** Parses the proxy's arguments; throws {@linkcode UsageError}. */
export function parseProxyArgs(args: string[]): ProxyArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string", short: "h", default: "127.0.0.1" },
        port: { type: "string", short: "p", default: "6379" },
        config: { type: "string", short: "c", default: "config.toml" },
        "instru-port": { type: "string", short: "i", default: "8888" },
        verbose: { type: "boolean", short: "v", default: false },
        "log-level": { type: "string", default: "info" },
        "log-format": { type: "string", default: "text" },
        "log-arguments": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  return {
    host: v.host,
    port: port(v.port, "--port", true),
    config: v.config,
    instruPort: port(v["instru-port"], "--instru-port", true),
    logLevel: v.verbose ? "debug" : oneOf(v["log-level"], LOG_LEVELS, "--log-level"),
    logFormat: oneOf(v["log-format"], ["text", "json"] as const, "--log-format"),
    logArguments: v["log-arguments"],
    help: v.help,
  };
}

function oneOf<T extends string>(text: string, allowed: readonly T[], flag: string): T {
  const found = allowed.find((value) => value === text);
  if (found === undefined) {
    throw new UsageError(`${flag}: "${text}" is not one of ${allowed.join(", ")}`);
  }
  return found;
}
