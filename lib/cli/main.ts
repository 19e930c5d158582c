import { ConfigError, loadConfig } from "../config/mod.ts";
import { runDemo } from "./demo.ts";
import { HEALTH_USAGE, runHealthCommand } from "./health_command.ts";
import { parseProxyArgs, PROXY_USAGE } from "./proxy_args.ts";
import { RDB_USAGE, runRdbCommand } from "./rdb_command.ts";
import { RESHARD_USAGE, runReshardCommand } from "./reshard_command.ts";
import { REPLICATE_USAGE, runReplicateCommand } from "./replicate_command.ts";
import { runVerifyCommand, VERIFY_USAGE } from "./verify_command.ts";
import { UpstreamError } from "../upstream/mod.ts";
import { NotificationsOffError } from "../sync/mod.ts";
import { startProxy } from "./start_proxy.ts";
import { UsageError } from "./usage_error.ts";
import { Logger } from "../log/mod.ts";

/** Where the CLI writes; tests pass their own. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    const handler = (signal: Deno.Signal) => () => {
      for (const s of signals) Deno.removeSignalListener(s, handlers[s]);
      resolve(signal);
    };
    const handlers = Object.fromEntries(signals.map((s) => [s, handler(s)])) as Record<
      Deno.Signal,
      () => void
    >;
    for (const s of signals) Deno.addSignalListener(s, handlers[s]);
  });
}

/** Calls `reload` on every SIGHUP (where the system has it) until removed. */
function onHangup(reload: () => void): { remove(): void } {
  if (Deno.build.os === "windows") return { remove() {} };
  Deno.addSignalListener("SIGHUP", reload);
  return { remove: () => Deno.removeSignalListener("SIGHUP", reload) };
}

type Run = (args: string[], output: Output, stop: () => Promise<unknown>) => Promise<number>;

/** The tools beside the proxy: `remiro <name> ...`. */
const SUBCOMMANDS: Record<string, { usage: string; run: Run }> = {
  rdb: { usage: RDB_USAGE, run: (args, output) => runRdbCommand(args, output) },
  replicate: { usage: REPLICATE_USAGE, run: runReplicateCommand },
  verify: { usage: VERIFY_USAGE, run: (args, output) => runVerifyCommand(args, output) },
  reshard: { usage: RESHARD_USAGE, run: runReshardCommand },
  health: { usage: HEALTH_USAGE, run: (args, output) => runHealthCommand(args, output) },
};

/** Runs a subcommand, turning usage errors into its usage text and exit code 2. */
async function subcommand(
  name: string,
  usage: string,
  run: () => Promise<number>,
  output: Output,
): Promise<number> {
  try {
    return await run();
  } catch (error) {
    // node:util parseArgs throws TypeErrors with a code for unknown or malformed options.
    if (error instanceof UpstreamError || error instanceof NotificationsOffError) {
      output.err(`remiro ${name}: ${error.message}`);
      return 3;
    }
    const fromParseArgs = error instanceof TypeError && "code" in error;
    if (!(error instanceof UsageError) && !fromParseArgs) throw error;
    output.err(`remiro ${name}: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
}

/**
 * Runs the `remiro` command line and resolves with the process exit code: 0 on a clean stop,
 * 1 when the proxy cannot start, 2 for bad arguments or a bad config.
 */
export async function main(
  args: string[],
  output: Output = consoleOutput,
  stop: () => Promise<unknown> = untilSignal,
): Promise<number> {
  try {
    if (args[0] === "demo") return await runDemo(args.slice(1), output, stop);
    const sub = Object.hasOwn(SUBCOMMANDS, args[0] ?? "") ? SUBCOMMANDS[args[0]] : undefined;
    if (sub) {
      return await subcommand(
        args[0],
        sub.usage,
        () => sub.run(args.slice(1), output, stop),
        output,
      );
    }
    const options = parseProxyArgs(args);
    if (options.help) {
      output.out(PROXY_USAGE);
      return 0;
    }
    const config = await loadConfig(options.config);
    const log = new Logger({
      level: options.logLevel,
      format: options.logFormat,
      write: (line) => output.err(line),
    });
    const proxy = startProxy(config, {
      host: options.host,
      port: options.port,
      instruPort: options.instruPort === 0 ? undefined : options.instruPort,
      log,
      loadConfig: () => loadConfig(options.config),
      configFile: options.config,
      logArguments: options.logArguments,
    });
    const mode = config.source
      ? `migrating ${config.source.addrText} -> ${config.destination.addrText}`
      : `proxying to ${config.destination.addrText}`;
    log.info(`remiro listening on ${options.host}:${proxy.port}, ${mode}`);
    if (proxy.instruPort !== undefined) {
      log.info(`metrics and health on http://${options.host}:${proxy.instruPort}/metrics`);
    }
    const hangup = onHangup(() => {
      proxy.reloadFromFile().catch((error) => {
        log.error("config reload failed", { error: (error as Error).message });
      });
    });
    try {
      await stop();
    } finally {
      hangup.remove();
    }
    log.info("shutting down: no new clients, finishing the commands clients sent");
    const cut = await proxy.shutdown();
    log.info("remiro stopped", { clientsCutOff: cut });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      output.err(`remiro: ${error.message}\n\n${PROXY_USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      output.err(`remiro: ${error.message}`);
      return 2;
    }
    if (
      error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.PermissionDenied ||
      error instanceof Deno.errors.NotSupported
    ) {
      output.err(`remiro: cannot listen: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}
