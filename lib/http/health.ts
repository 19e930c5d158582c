/** A check of one upstream server for `/health`. */
export interface HealthProbe {
  /** The key of this server in the `/health` body (the proxy's: sourceRedis, destinationRedis). */
  name: string;
  /** Resolves when the server answered PONG; rejects with an Error whose message is the reason. */
  ping(): Promise<void>;
  /** Listed in the body, but its failure does not make the check fail (a replica in a group). */
  optional?: boolean;
}

/** The state of one server in the `/health` body. */
export type HealthStatus = { status: "OK" } | { status: "Error"; error: string };

/** The outcome of {@linkcode checkHealth}: `body` is what `/health` serves. */
export interface HealthReport {
  /** True only when every probe succeeded. */
  ok: boolean;
  body: Record<string, HealthStatus>;
}

const DEFAULT_TIMEOUT_MS = 1000;

async function probe(p: HealthProbe, timeoutMs: number): Promise<HealthStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // A probe that hangs keeps running after the race; the race's handler also absorbs its
    // eventual rejection, so it never becomes an unhandled one.
    await Promise.race([p.ping(), timeout]);
    return { status: "OK" };
  } catch (error) {
    return { status: "Error", error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs all probes concurrently, each bounded by `timeoutMs`. The body has one entry per probe
 * given, keys in sorted order like the original Go proxy's JSON, e.g.
 * `{"destinationRedis":{"status":"OK"},"sourceRedis":{"status":"Error","error":"..."}}`.
 */
export async function checkHealth(
  probes: readonly HealthProbe[],
  timeoutMs: number = DEFAULT_TIMEOUT_MS,
): Promise<HealthReport> {
  const statuses = await Promise.all(probes.map((p) => probe(p, timeoutMs)));
  const entries = probes.map((p, i): [string, HealthStatus] => [p.name, statuses[i]]);
  entries.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return {
    ok: statuses.every((s, i) => s.status === "OK" || probes[i].optional === true),
    body: Object.fromEntries(entries),
  };
}
