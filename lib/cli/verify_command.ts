import { parseArgs } from "node:util";
import { formatReport, verifyDatabases } from "../sync/mod.ts";
import type { Output } from "./main.ts";
import { openLink, SYNC_OPTIONS, syncArgs } from "./sync_args.ts";
import { UsageError } from "./usage_error.ts";

export const VERIFY_USAGE = `Usage: remiro verify --source URI --target URI [options]

Compares two databases key by key, in both directions, and prints
  OK:<identical> V:<value differs> >:<only in source> <:<only in target> T:<expiry differs>
Exit code 0 only when every key matches.

  --source URI, --target URI   redis://[user:password@]host:port[/db], rediss:// for TLS
  --match GLOB | --regex R     only these keys;  --exclude R  then not these
  --ttl-tolerance DURATION     expiries closer than this match (default 100ms)
  --sample N                   check N random keys from each side instead of all
  --json                       print the counts (and diffs) as JSON
  --show-diffs                 list each difference
  --cacert FILE                CA certificate for rediss://
  --cert FILE, --key FILE      client certificate and key for rediss:// (mutual TLS)
  --source-cluster, --target-cluster   the URI names a node of a Redis Cluster
`;

/** Runs `remiro verify`; 0 when everything matches, 1 when something differs. */
export async function runVerifyCommand(args: string[], output: Output): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      ...SYNC_OPTIONS,
      sample: { type: "string" },
      json: { type: "boolean", default: false },
      "show-diffs": { type: "boolean", default: false },
    },
  });
  if (values.help) {
    output.out(VERIFY_USAGE);
    return 0;
  }
  const sync = await syncArgs(values);
  const sample = values.sample === undefined ? undefined : Number(values.sample);
  if (sample !== undefined && !(Number.isInteger(sample) && sample > 0)) {
    throw new UsageError(`--sample: "${values.sample}" is not a positive number`);
  }
  const source = await openLink(sync.source, "source", sync.sourceCluster, sync.tls);
  try {
    const target = await openLink(sync.target, "target", sync.targetCluster, sync.tls);
    try {
      const report = await verifyDatabases(source, target, {
        selector: sync.selector,
        match: sync.match,
        ttlToleranceMs: sync.ttlToleranceMs,
        sample,
      });
      if (values.json) {
        const { diffs, ...counts } = report;
        output.out(JSON.stringify(values["show-diffs"] ? { ...counts, diffs } : counts));
      } else {
        if (values["show-diffs"]) {
          for (const diff of report.diffs) output.out(`${diff.kind} ${diff.key}: ${diff.detail}`);
        }
        output.out(formatReport(report));
      }
      const differences = report.value + report.onlySource + report.onlyTarget + report.ttl;
      return differences === 0 ? 0 : 1;
    } finally {
      target.close();
    }
  } finally {
    source.close();
  }
}
