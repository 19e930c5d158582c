import type { LogEntry, LogFields } from "../log/mod.ts";
import { checkHealth, type HealthProbe } from "./health.ts";
import type { MetricsTotals } from "./metrics.ts";

/** One server of an upstream group, as the status board is told about it. */
export interface UpstreamMemberSource {
  name: string;
  /** Where it listens, as configured: never with credentials. */
  address: string;
  /** `master`, `replica`, ... when known. */
  role?: string;
  probe: HealthProbe;
}

/**
 * Servers that play one part together, such as a failover group. Today each upstream (source,
 * destination) is a group of one member.
 */
export interface UpstreamGroupSource {
  name: string;
  members: readonly UpstreamMemberSource[];
}

/** What the migration sweeper has done; `total` and `remaining` are unknown without DBSIZE. */
export interface MigrationProgress {
  scanned: number;
  total: number | undefined;
  moved: number;
  errors: number;
  remaining: number | undefined;
  done: boolean;
}

/** What the board shows about the process itself. */
export interface ProcessInfo {
  /** `migration` or `proxy`. */
  mode: string;
  /** The proxy's client address, `host:port`. */
  listen: string;
  /** Milliseconds since the epoch. */
  startedAt: number;
}

/** Options of {@linkcode StatusBoard}. */
export interface StatusBoardOptions {
  metrics: { totals(): Promise<MetricsTotals> };
  /** Read on every report: the upstreams may change while running. */
  upstreams: () => readonly UpstreamGroupSource[];
  /** Absent, or returning undefined, when no migration sweeper runs. */
  migration?: () => MigrationProgress | undefined;
  /** The latest warnings and errors, oldest first (what `Logger.recent()` returns). */
  recentErrors?: () => readonly LogEntry[];
  process: ProcessInfo;
  /** Between samples (2000). */
  sampleMs?: number;
  /** Samples kept for the charts (300: ten minutes at the default interval). */
  keep?: number;
  /** Bound on each upstream's PING in a report (500). */
  healthTimeoutMs?: number;
  /** Recent errors in a report (20). */
  maxErrors?: number;
  now?: () => number;
}

/** The numbers at one moment; rates and percentiles cover the interval ending there. */
export interface StatusSample {
  /** Milliseconds since the epoch. */
  time: number;
  /** Client requests answered so far. */
  requests: number;
  /** Keys restored on the destination so far, by reads and by the sweeper. */
  keysCopied: number;
  /** Keys the sweeper moved so far; null without a sweeper. */
  swept: number | null;
  upstreamErrors: number;
  /** Null for the first sample. */
  requestsPerSecond: number | null;
  /** Null when no request finished in the interval. */
  p50Ms: number | null;
  p99Ms: number | null;
}

/** The health of one server. */
export interface MemberStatus {
  name: string;
  address: string;
  role: string | null;
  status: "OK" | "Error";
  error: string | null;
}

/** `Degraded` when some members are down, `Down` when all are. */
export interface GroupStatus {
  name: string;
  status: "OK" | "Degraded" | "Down";
  members: MemberStatus[];
}

/** A warning or error the proxy logged. */
export interface RecentError {
  /** ISO 8601. */
  time: string;
  level: string;
  message: string;
  fields: LogFields;
}

/** What `GET /admin/status` serves. */
export interface StatusReport {
  /** Milliseconds since the epoch. */
  time: number;
  process: ProcessInfo & { uptimeSeconds: number };
  upstreams: GroupStatus[];
  traffic: {
    requests: number;
    /** Over the latest sample interval; null until there are two samples. */
    requestsPerSecond: number | null;
    upstreamCommands: number;
    p50Ms: number | null;
    p99Ms: number | null;
    upstreamErrors: number;
    keysCopied: number;
    copyErrors: number;
    clients: number;
  };
  migration: {
    scanned: number;
    total: number | null;
    moved: number;
    errors: number;
    remaining: number | null;
    done: boolean;
  } | null;
  history: { intervalMs: number; samples: StatusSample[] };
  /** Newest first. */
  recentErrors: RecentError[];
}

/**
 * The `q` quantile (0 < q <= 1) of observations counted per bucket, interpolated linearly
 * within the bucket as Prometheus's histogram_quantile does. `counts` has one more entry than
 * `bounds`: observations past the last bound are reported as that bound. Null without any.
 */
export function bucketQuantile(
  bounds: readonly number[],
  counts: readonly number[],
  q: number,
): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i];
    if (count > 0 && below + count >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? null;
      const lower = i === 0 ? 0 : bounds[i - 1];
      return lower + (bounds[i] - lower) * Math.max(0, rank - below) / count;
    }
    below += count;
  }
  return bounds[bounds.length - 1] ?? null;
}

interface Baseline {
  time: number;
  totals: MetricsTotals;
}

/**
 * Samples the proxy's metrics every `sampleMs` for the status page, keeping a bounded history,
 * and answers `GET /admin/status` with the current numbers, the history, the health of each
 * upstream and the latest errors. It only reads counters and configured addresses: no value
 * stored in Redis and no password ever reaches the report.
 */
export class StatusBoard {
  readonly sampleMs: number;
  #options: StatusBoardOptions;
  #keep: number;
  #now: () => number;
  #samples: StatusSample[] = [];
  #baseline: Baseline | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sampling: Promise<unknown> | undefined;
  #running = false;

  constructor(options: StatusBoardOptions) {
    this.#options = options;
    this.sampleMs = options.sampleMs ?? 2000;
    this.#keep = Math.max(2, options.keep ?? 300);
    this.#now = options.now ?? Date.now;
  }

  /** The samples kept, oldest first. */
  get samples(): readonly StatusSample[] {
    return this.#samples;
  }

  /** Takes a sample now and then one every `sampleMs` until {@linkcode stop}. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#tick();
  }

  /** Clears the timer and waits for a sample under way. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sampling;
  }

  #tick(): void {
    // A sample that failed is skipped: the next one measures over the longer interval.
    this.#sampling = this.sample().catch(() => undefined).finally(() => {
      if (this.#running) this.#timer = setTimeout(() => this.#tick(), this.sampleMs);
    });
  }

  /** Records the numbers now; the timer calls it, tests call it directly. */
  async sample(): Promise<StatusSample> {
    const totals = await this.#options.metrics.totals();
    const time = this.#now();
    const previous = this.#baseline;
    this.#baseline = { time, totals };
    const seconds = previous ? (time - previous.time) / 1000 : 0;
    const interval = previous
      ? totals.latencyCounts.map((count, i) => count - (previous.totals.latencyCounts[i] ?? 0))
      : totals.latencyCounts;
    const sample: StatusSample = {
      time,
      requests: totals.requests,
      keysCopied: totals.keysCopied,
      swept: this.#options.migration?.()?.moved ?? null,
      upstreamErrors: totals.upstreamErrors,
      requestsPerSecond: previous && seconds > 0
        ? (totals.requests - previous.totals.requests) / seconds
        : null,
      p50Ms: bucketQuantile(totals.latencyBoundsMs, interval, 0.5),
      p99Ms: bucketQuantile(totals.latencyBoundsMs, interval, 0.99),
    };
    this.#samples.push(sample);
    if (this.#samples.length > this.#keep) {
      this.#samples.splice(0, this.#samples.length - this.#keep);
    }
    return sample;
  }

  /** The JSON of `GET /admin/status`. */
  async report(): Promise<StatusReport> {
    const options = this.#options;
    const [totals, upstreams] = await Promise.all([
      options.metrics.totals(),
      this.#upstreamHealth(),
    ]);
    const time = this.#now();
    const latest = this.#samples.at(-1);
    const progress = options.migration?.();
    return {
      time,
      process: {
        ...options.process,
        uptimeSeconds: Math.max(0, (time - options.process.startedAt) / 1000),
      },
      upstreams,
      traffic: {
        requests: totals.requests,
        requestsPerSecond: latest?.requestsPerSecond ?? null,
        upstreamCommands: totals.upstreamCommands,
        p50Ms: latest?.p50Ms ?? null,
        p99Ms: latest?.p99Ms ?? null,
        upstreamErrors: totals.upstreamErrors,
        keysCopied: totals.keysCopied,
        copyErrors: totals.copyErrors,
        clients: totals.clients,
      },
      migration: progress
        ? {
          scanned: progress.scanned,
          total: progress.total ?? null,
          moved: progress.moved,
          errors: progress.errors,
          remaining: progress.remaining ?? null,
          done: progress.done,
        }
        : null,
      history: { intervalMs: this.sampleMs, samples: [...this.#samples] },
      recentErrors: this.#recentErrors(),
    };
  }

  async #upstreamHealth(): Promise<GroupStatus[]> {
    const timeoutMs = this.#options.healthTimeoutMs ?? 500;
    return await Promise.all(
      this.#options.upstreams().map(async (group) => {
        const members = await Promise.all(group.members.map(async (member) => {
          const { body } = await checkHealth([member.probe], timeoutMs);
          const health = body[member.probe.name];
          return {
            name: member.name,
            address: member.address,
            role: member.role ?? null,
            status: health.status,
            error: health.status === "Error" ? health.error : null,
          };
        }));
        const up = members.filter((member) => member.status === "OK").length;
        const status = up === members.length ? "OK" : up === 0 ? "Down" : "Degraded";
        return { name: group.name, status, members };
      }),
    );
  }

  #recentErrors(): RecentError[] {
    const entries = this.#options.recentErrors?.() ?? [];
    const max = this.#options.maxErrors ?? 20;
    return entries.slice(-max).reverse().map(({ time, level, message, fields }) => ({
      time,
      level,
      message,
      fields: { ...fields },
    }));
  }
}
