import { parseDuration } from "../config/mod.ts";
import { KeySelector } from "../rdb/mod.ts";
import {
  ClusterClient,
  parseRedisUri,
  type RedisLink,
  type RedisUri,
  SyncClient,
} from "../sync/mod.ts";
import type { TlsOptions } from "../upstream/mod.ts";
import { globToRegExp } from "../util/mod.ts";
import { parseRegex } from "./parse_regex.ts";
import { UsageError } from "./usage_error.ts";

/** Options replicate and verify share. */
export const SYNC_OPTIONS = {
  source: { type: "string" },
  target: { type: "string" },
  match: { type: "string" },
  regex: { type: "string" },
  exclude: { type: "string" },
  "ttl-tolerance": { type: "string", default: "100ms" },
  cacert: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  "source-cluster": { type: "boolean", default: false },
  "target-cluster": { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;

export interface SyncArgs {
  source: RedisUri;
  target: RedisUri;
  match?: string;
  selector: KeySelector;
  ttlToleranceMs: number;
  tls: TlsOptions;
  sourceCluster: boolean;
  targetCluster: boolean;
}

function uri(text: string | undefined, flag: string): RedisUri {
  if (text === undefined) throw new UsageError(`${flag} is required`);
  try {
    return parseRedisUri(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

/** Opens a server named on the command line: one Redis, or a cluster through any node. */
export function openLink(
  uri: RedisUri,
  name: string,
  cluster: boolean,
  tls: TlsOptions,
): Promise<RedisLink> {
  return cluster ? ClusterClient.open(uri, { name, tls }) : SyncClient.open(uri, { name, tls });
}

/** Turns the shared options into servers, a key selector and a tolerance. */
export async function syncArgs(values: {
  source?: string;
  target?: string;
  match?: string;
  regex?: string;
  exclude?: string;
  "ttl-tolerance"?: string;
  cacert?: string;
  cert?: string;
  key?: string;
  "source-cluster"?: boolean;
  "target-cluster"?: boolean;
}): Promise<SyncArgs> {
  if (values.match !== undefined && values.regex !== undefined) {
    throw new UsageError("--match and --regex cannot be combined");
  }
  let ttlToleranceMs: number;
  try {
    ttlToleranceMs = parseDuration(values["ttl-tolerance"] ?? "100ms");
  } catch (error) {
    throw new UsageError(`--ttl-tolerance: ${(error as Error).message}`);
  }
  const include = values.match !== undefined
    ? globToRegExp(values.match)
    : parseRegex(values.regex, "--regex");
  const read = async (path: string | undefined, flag: string) => {
    if (path === undefined) return undefined;
    try {
      return await Deno.readTextFile(path);
    } catch (error) {
      throw new UsageError(`${flag}: ${(error as Error).message}`);
    }
  };
  const ca = await read(values.cacert, "--cacert");
  const tls: TlsOptions = {
    caCerts: ca === undefined ? undefined : [ca],
    cert: await read(values.cert, "--cert"),
    key: await read(values.key, "--key"),
  };
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new UsageError("--cert and --key go together");
  }
  return {
    source: uri(values.source, "--source"),
    target: uri(values.target, "--target"),
    match: values.match,
    selector: new KeySelector(include, parseRegex(values.exclude, "--exclude")),
    ttlToleranceMs,
    tls,
    sourceCluster: values["source-cluster"] ?? false,
    targetCluster: values["target-cluster"] ?? false,
  };
}
