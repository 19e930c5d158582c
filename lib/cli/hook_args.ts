import { parseDuration } from "../config/mod.ts";
import type { HooksConfig } from "../config/mod.ts";
import {
  type ChangeSink,
  CopyHooks,
  HookLoadError,
  type HookPolicy,
  type Hooks,
  openHooks,
  parseSinkSpec,
  SinkSpecError,
  stdoutSink,
  webhookSink,
  xaddSink,
} from "../hooks/mod.ts";
import { parseRedisUri, SyncClient } from "../sync/mod.ts";
import { UsageError } from "./usage_error.ts";

/** The options `remiro reshard` and `remiro replicate` share for hooks and change sinks. */
export const HOOK_OPTIONS = {
  hooks: { type: "string" },
  "allow-hook-net": { type: "string", multiple: true },
  "allow-hook-read": { type: "string", multiple: true },
  "allow-hook-env": { type: "boolean", default: false },
  "on-hook-error": { type: "string", default: "skip" },
  "hook-timeout": { type: "string", default: "1s" },
  "on-change": { type: "string", multiple: true },
  "delivery-log": { type: "string" },
} as const;

export const HOOK_USAGE =
  `  --hooks FILE                 a TypeScript module exporting filter, transform and/or
                               onChange (types in lib/hooks/mod.ts), run in a worker with no
                               permissions but these:
  --allow-hook-net HOST[:PORT] (repeatable, or comma-separated) hosts the hooks may reach
  --allow-hook-read PATH       (repeatable) paths the hooks may read besides their own file
  --allow-hook-env             the hooks may read environment variables
  --on-hook-error POLICY       skip (default: drop the entry or event, log and count it),
                               retry (three more calls, then stop) or stop
  --hook-timeout DURATION      a call taking longer fails and restarts the worker (default 1s)
  --on-change SINK             (repeatable) stdout (JSON lines), webhook=https://... (batched
                               POST) or xadd=redis://host:port/stream
  --delivery-log FILE          positions the change sinks acknowledged: after a restart,
                               nothing already delivered is delivered again
`;

export interface HookValues {
  hooks?: string;
  "allow-hook-net"?: string[];
  "allow-hook-read"?: string[];
  "allow-hook-env"?: boolean;
  "on-hook-error"?: string;
  "hook-timeout"?: string;
  "on-change"?: string[];
  "delivery-log"?: string;
}

const list = (values: string[] | undefined) =>
  values?.flatMap((value) => value.split(",")).map((v) => v.trim()).filter(Boolean) ?? [];

/** Starts the hooks and sinks the options name; `undefined` when none are named. */
export async function hookArgs(
  values: HookValues,
  log: (message: string) => void,
): Promise<(Hooks & { close(): void }) | undefined> {
  const sinkTexts = values["on-change"] ?? [];
  if (!values.hooks && sinkTexts.length === 0) {
    if (values["delivery-log"]) {
      throw new UsageError("--delivery-log needs --hooks with onChange, or --on-change");
    }
    return undefined;
  }
  const policy = values["on-hook-error"] ?? "skip";
  if (!["skip", "retry", "stop"].includes(policy)) {
    throw new UsageError(`--on-hook-error: "${policy}" is not skip, retry or stop`);
  }
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(values["hook-timeout"] ?? "1s");
  } catch (error) {
    throw new UsageError(`--hook-timeout: ${(error as Error).message}`);
  }
  let sinks: ChangeSink[];
  try {
    sinks = await openSinks(sinkTexts, log);
  } catch (error) {
    if (error instanceof SinkSpecError) throw new UsageError(`--on-change: ${error.message}`);
    throw error;
  }
  try {
    return await openHooks({
      hooks: values.hooks === undefined ? undefined : {
        module: values.hooks,
        allowNet: list(values["allow-hook-net"]),
        allowRead: list(values["allow-hook-read"]),
        allowEnv: values["allow-hook-env"] ?? false,
        onError: policy as HookPolicy,
        timeoutMs,
        log,
      },
      sinks,
      deliveryLog: values["delivery-log"],
    });
  } catch (error) {
    for (const sink of sinks) sink.close?.();
    if (error instanceof HookLoadError) throw new UsageError(`--hooks: ${error.message}`);
    throw error;
  }
}

/** The sinks `--on-change` (or `OnChange` in the config) names; throws SinkSpecError. */
export async function openSinks(
  texts: readonly string[],
  log: (message: string) => void,
): Promise<ChangeSink[]> {
  const specs = texts.map(parseSinkSpec);
  const sinks: ChangeSink[] = [];
  for (const spec of specs) {
    if (spec.kind === "stdout") sinks.push(stdoutSink((bytes) => Deno.stdout.write(bytes)));
    else if (spec.kind === "webhook") sinks.push(webhookSink(spec.url, log));
    else {
      const link = await SyncClient.open(parseRedisUri(spec.uri), { name: "xadd sink", log });
      sinks.push(xaddSink(link, spec.stream, log));
    }
  }
  return sinks;
}

/**
 * The proxy's hooks (`Hooks` in the config), started in the background: the proxy starts at once
 * and copies wait until the module is loaded. A module that fails to load, or exports
 * `transform`, makes every copy fail (logged): the proxy never copies keys the hooks would
 * have filtered.
 */
export function startCopyHooks(
  config: HooksConfig,
  log: (message: string) => void,
): { ready: Promise<CopyHooks>; close(): void } {
  let opened: { close(): void } | undefined;
  let closed = false;
  const ready = (async () => {
    const hooks = await openHooks({
      hooks: config.module
        ? {
          module: config.module,
          allowNet: config.allowNet,
          allowRead: config.allowRead,
          allowEnv: config.allowEnv,
          onError: "pass",
          timeoutMs: config.timeoutMs,
          log,
        }
        : undefined,
      sinks: await openSinks(config.onChange, log),
    });
    opened = hooks;
    if (closed) hooks.close();
    return new CopyHooks(hooks, log);
  })();
  ready.catch((error) => log(`Hooks: ${(error as Error).message}`));
  return {
    ready,
    close: () => {
      closed = true;
      opened?.close();
    },
  };
}
