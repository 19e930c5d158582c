import { parseArgs } from "node:util";
import { type HealthProbe, startHttpServer } from "../http/mod.ts";
import { ReshardProxy } from "../replication/mod.ts";
import type { Output } from "./main.ts";
import { parseBytes } from "./parse_bytes.ts";
import { parseRegex } from "./parse_regex.ts";
import { UsageError } from "./usage_error.ts";
import { HOOK_OPTIONS, HOOK_USAGE, hookArgs } from "./hook_args.ts";
import { registerHookMetrics } from "../hooks/mod.ts";

export const RESHARD_USAGE =
  `Usage: remiro reshard --master-host HOST --master-port PORT [options] 'REGEX'

Replicates from a master and serves only the keys whose name matches REGEX to any number of
Redis replicas (REPLICAOF proxy-host proxy-port): first in the snapshot, then in the live
command stream. One Redis can be split into several without stopping it.

Options:
  --master-host HOST        master to replicate from (default 127.0.0.1)
  --master-port PORT        (default 6379)
  --master-user USER        ACL user for AUTH
  --master-password PASS    password for AUTH
  --proxy-host HOST         address replicas connect to (default 127.0.0.1)
  --proxy-port PORT         (default 6380)
  --exclude REGEX           then drop keys matching this
  --checkpoint FILE         keep the resume point here: a restart continues without a full sync
  --backlog BYTES           filtered stream kept for reconnecting replicas (default 64mb)
  -i, --instru-port PORT    /metrics and /health (default off)
  -v, --verbose             log to stderr
${HOOK_USAGE}`;

function port(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65535) {
    throw new UsageError(`${flag}: "${text}" is not a port`);
  }
  return value;
}

/** Runs `remiro reshard ...` until `stop` resolves; returns the exit code. */
export async function runReshardCommand(
  args: string[],
  output: Output,
  stop: () => Promise<unknown>,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      "master-host": { type: "string", default: "127.0.0.1" },
      "master-port": { type: "string", default: "6379" },
      "master-user": { type: "string" },
      "master-password": { type: "string" },
      "proxy-host": { type: "string", default: "127.0.0.1" },
      "proxy-port": { type: "string", default: "6380" },
      exclude: { type: "string" },
      checkpoint: { type: "string" },
      backlog: { type: "string", default: "64mb" },
      "instru-port": { type: "string", short: "i" },
      verbose: { type: "boolean", short: "v", default: false },
      help: { type: "boolean", default: false },
      ...HOOK_OPTIONS,
    },
  });
  if (values.help) {
    output.out(RESHARD_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("reshard takes exactly one REGEX");
  const hooks = await hookArgs(values, (line) => output.err(`${new Date().toISOString()} ${line}`));
  const proxy = new ReshardProxy({
    hooks,
    master: {
      hostname: values["master-host"]!,
      port: port(values["master-port"]!, "--master-port"),
      username: values["master-user"],
      password: values["master-password"],
    },
    listen: { hostname: values["proxy-host"]!, port: port(values["proxy-port"]!, "--proxy-port") },
    include: parseRegex(positionals[0], "REGEX"),
    exclude: parseRegex(values.exclude, "--exclude"),
    checkpointPath: values.checkpoint,
    backlogBytes: parseBytes(values.backlog!, "--backlog"),
    log: values.verbose ? (line) => output.err(line) : undefined,
  });
  if (hooks) registerHookMetrics(proxy.metrics.registry, hooks);
  await proxy.start().catch((error) => {
    hooks?.close();
    throw error;
  });
  output.err(
    `remiro reshard listening on ${values["proxy-host"]}:${proxy.port}, replicating ` +
      `${values["master-host"]}:${values["master-port"]} keys matching ${positionals[0]}`,
  );
  let http: { port: number; shutdown(): Promise<void> } | undefined;
  if (values["instru-port"] !== undefined) {
    http = startHttpServer({
      hostname: values["proxy-host"]!,
      port: port(values["instru-port"], "--instru-port"),
      metrics: {
        render: () => {
          proxy.refreshGauges();
          return proxy.metrics.render();
        },
      },
      probes: () => healthProbes(proxy),
    });
    output.err(`metrics and health on http://${values["proxy-host"]}:${http.port}/metrics`);
  }
  // A hook failing under the `stop` policy ends the proxy as Ctrl-C would.
  let watch: ReturnType<typeof setInterval> | undefined;
  const failed = new Promise<void>((resolve) => {
    watch = setInterval(() => proxy.failure && resolve(), 200);
  });
  await Promise.race([stop(), failed]);
  clearInterval(watch);
  await http?.shutdown();
  await proxy.close();
  hooks?.close();
  if (proxy.failure) {
    output.err(`remiro reshard: ${proxy.failure.message}`);
    return 3;
  }
  return 0;
}

function healthProbes(proxy: ReshardProxy): HealthProbe[] {
  const probes: HealthProbe[] = [{
    name: "master",
    ping: () =>
      proxy.master.streaming
        ? Promise.resolve()
        : Promise.reject(new Error("replication link to the master is not streaming")),
  }];
  for (const session of proxy.sessions) {
    probes.push({
      name: `replica ${session.name}`,
      ping: () =>
        session.state === "streaming"
          ? Promise.resolve()
          : Promise.reject(new Error(session.state)),
    });
  }
  return probes;
}
