import { parseArgs } from "node:util";
import { Gauge, Registry } from "prom-client";
import { type HealthProbe, startHttpServer } from "../http/mod.ts";
import {
  formatReport,
  Progress,
  type RedisLink,
  type ReplicateOptions,
  ReplicateOptionsError,
  Replicator,
  verifyDatabases,
} from "../sync/mod.ts";
import type { Output } from "./main.ts";
import { parseBytes } from "./parse_bytes.ts";
import { SYNC_OPTIONS, syncArgs } from "./sync_args.ts";
import { HOOK_OPTIONS, HOOK_USAGE, hookArgs } from "./hook_args.ts";
import { HookFailedError, type Hooks, registerHookMetrics } from "../hooks/mod.ts";
import { UsageError } from "./usage_error.ts";

export const REPLICATE_USAGE = `Usage: remiro replicate --source URI --target URI [options]

Copies keys from source to target (SCAN, DUMP, RESTORE ... ABSTTL REPLACE), then in live modes
keeps copying changes until Ctrl-C, then verifies the target key by key (remiro verify).

  --source URI, --target URI   redis://[user:password@]host:port[/db], rediss:// for TLS
  --mode MODE                  snapshot (default), live (snapshot, then changes), live-only
  --live-source SOURCE         notifications (default: keyspace events) or replication (the
                               source's replication stream: nothing missed, no config needed)
  --enable-notifications       set notify-keyspace-events on the source if needed
  --snapshot-via METHOD        scan (default: SCAN + DUMP) or replication (the source's RDB
                               over PSYNC: several times faster, needs the SYNC permission)
  --match GLOB | --regex R     only these keys;  --exclude R  then not these
  --type T1,T2                 only these types (string, list, set, zset, hash, stream)
  --batch N                    keys per pipelined batch (default 500)
  --threads N                  batches in flight (default 8)
  --mem-limit BYTES            keys using more memory are copied in chunks (default 64mb)
  --no-verify                  skip the verification at the end
  --ttl-tolerance DURATION     for the verification (default 100ms)
  --cacert FILE                CA certificate for rediss://
  --cert FILE, --key FILE      client certificate and key for rediss:// (mutual TLS)
  --source-cluster, --target-cluster   the URI names a node of a Redis Cluster (snapshot by
                               SCAN of every master, live mode on every master's keyspace
                               events; commands routed by key slot)
  -i, --instru-port PORT       /metrics and /health
  -v, --verbose                log retries and failures
${HOOK_USAGE}
Exit code: 0 copied and verified, 1 the verification found differences, 3 keys failed to copy.
`;

const TYPES = new Set(["string", "list", "set", "zset", "hash", "stream"]);

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`${flag}: "${text}" is not a positive number`);
  }
  return value;
}

/** Runs `remiro replicate`; live modes run until `stop` resolves. */
export async function runReplicateCommand(
  args: string[],
  output: Output,
  stop: () => Promise<unknown>,
  terminal = Deno.stderr.isTerminal(),
): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      ...SYNC_OPTIONS,
      ...HOOK_OPTIONS,
      mode: { type: "string", default: "snapshot" },
      "live-source": { type: "string", default: "notifications" },
      "enable-notifications": { type: "boolean", default: false },
      "snapshot-via": { type: "string", default: "scan" },
      type: { type: "string" },
      batch: { type: "string", default: "500" },
      threads: { type: "string", default: "8" },
      "mem-limit": { type: "string", default: "64mb" },
      "no-verify": { type: "boolean", default: false },
      "instru-port": { type: "string", short: "i" },
      verbose: { type: "boolean", short: "v", default: false },
    },
  });
  if (values.help) {
    output.out(REPLICATE_USAGE);
    return 0;
  }
  const sync = await syncArgs(values);
  const mode = values.mode as ReplicateOptions["mode"];
  if (!["snapshot", "live", "live-only"].includes(mode)) {
    throw new UsageError(`--mode: unknown mode "${mode}"`);
  }
  const liveSource = values["live-source"] as ReplicateOptions["liveSource"];
  if (!["notifications", "replication"].includes(liveSource)) {
    throw new UsageError(`--live-source: "${liveSource}" is not notifications or replication`);
  }
  const snapshotVia = values["snapshot-via"] as ReplicateOptions["snapshotVia"];
  if (snapshotVia !== "scan" && snapshotVia !== "replication") {
    throw new UsageError(`--snapshot-via: "${snapshotVia}" is not scan or replication`);
  }
  const types = values.type === undefined
    ? undefined
    : new Set(values.type.split(",").map((t) => t.trim()));
  for (const type of types ?? []) {
    if (!TYPES.has(type)) throw new UsageError(`--type: unknown type "${type}"`);
  }
  const log = (line: string) => {
    if (values.verbose) output.err(`${new Date().toISOString()} ${line}`);
  };
  const hooks = await hookArgs(values, (line) => output.err(`${new Date().toISOString()} ${line}`));
  const replicator = await openReplicator({
    hooks,
    source: sync.source,
    target: sync.target,
    mode,
    liveSource,
    snapshotVia,
    selector: sync.selector,
    match: sync.match,
    types,
    batch: positive(values.batch!, "--batch"),
    threads: positive(values.threads!, "--threads"),
    memLimit: parseBytes(values["mem-limit"]!, "--mem-limit"),
    enableNotifications: values["enable-notifications"]!,
    sourceCluster: sync.sourceCluster,
    targetCluster: sync.targetCluster,
    tls: sync.tls,
    log,
  }).catch((error) => {
    hooks?.close();
    throw error;
  });
  const progress = new Progress(
    replicator.stats,
    (text) => output.err(text.replace(/\n$/, "")),
    terminal,
  );
  const http = values["instru-port"] === undefined
    ? undefined
    : serveInstrumentation(replicator, Number(values["instru-port"]), output, hooks);
  try {
    progress.start();
    output.err(`remiro replicate: ${mode} from ${sync.source.addrText} to ${sync.target.addrText}`);
    // A snapshot ends by itself (Ctrl-C simply ends the process); live modes run until stopped.
    try {
      await replicator.run(mode === "snapshot" ? new Promise(() => {}) : stop());
    } catch (error) {
      // A hook failed under --on-hook-error stop (or retry gave up).
      if (!(error instanceof HookFailedError)) throw error;
      progress.stop();
      output.err(`remiro replicate: ${error.message}`);
      return 3;
    }
    progress.stop();
    const failed = replicator.stats.failed;
    // Filtered or renamed keys differ from the source on purpose: nothing to verify against.
    if (values["no-verify"] || hooks?.runner?.hasEntryHooks) return failed ? 3 : 0;
    const report = await verifyDatabases(replicator.source, replicator.target, {
      selector: sync.selector,
      match: sync.match,
      ttlToleranceMs: sync.ttlToleranceMs,
    });
    output.out(formatReport(report));
    for (const diff of report.diffs.slice(0, 20)) {
      output.err(`${diff.kind} ${diff.key}: ${diff.detail}`);
    }
    if (failed) return 3;
    return report.value + report.onlySource + report.onlyTarget + report.ttl === 0 ? 0 : 1;
  } finally {
    await http?.shutdown();
    replicator.close();
    hooks?.close();
  }
}

/** Replicator.open, with the combinations it refuses reported as usage errors. */
async function openReplicator(options: ReplicateOptions): Promise<Replicator> {
  try {
    return await Replicator.open(options);
  } catch (error) {
    if (error instanceof ReplicateOptionsError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

function serveInstrumentation(
  replicator: Replicator,
  port: number,
  output: Output,
  hooks: Hooks | undefined,
) {
  const registry = new Registry();
  if (hooks) registerHookMetrics(registry, hooks);
  const keys = new Gauge({
    name: "remiro_replicate_keys",
    help: "Keys by what happened to them: scanned, copied, deleted, chunked, failed, live",
    labelNames: ["state"],
    registers: [registry],
  });
  const ping = (client: RedisLink) => async () => {
    const reply = await client.call("PING");
    if (reply.type === "error") throw new Error(reply.message);
  };
  const probes: HealthProbe[] = [
    { name: "source", ping: ping(replicator.source) },
    { name: "target", ping: ping(replicator.target) },
  ];
  const server = startHttpServer({
    hostname: "127.0.0.1",
    port,
    probes,
    metrics: {
      render: async () => {
        const { total: _total, ...counts } = replicator.stats;
        for (const [state, value] of Object.entries(counts)) keys.set({ state }, value);
        return { contentType: registry.contentType, body: await registry.metrics() };
      },
    },
  });
  output.err(`metrics and health on http://127.0.0.1:${server.port}/metrics`);
  return server;
}
