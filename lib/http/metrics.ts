import { Counter, Gauge, Registry } from "prom-client";
import { type HistogramSeries, LatencyHistogram } from "./latency_histogram.ts";

/** Which upstream Redis server a request went to. */
type Target = "source" | "destination";

/** The metrics as plain numbers, summed over targets and commands: what the status page samples. */
export interface MetricsTotals {
  /** Client requests answered (the latency histogram's count). */
  requests: number;
  /** Requests sent to the upstream servers, source and destination together. */
  upstreamCommands: number;
  /** Keys restored on the destination, by reads and by the migration sweeper. */
  keysCopied: number;
  copyErrors: number;
  /** Requests that failed because an upstream server was unreachable or broke. */
  upstreamErrors: number;
  /** Open client connections. */
  clients: number;
  /** Upper bounds of the latency buckets in milliseconds; the last bucket has none (+Inf). */
  latencyBoundsMs: readonly number[];
  /** Client requests per latency bucket (not cumulative), one more entry than the bounds. */
  latencyCounts: number[];
}

/** Latency buckets in milliseconds: a local cache hit takes ~0.05 ms, a stuck server seconds. */
const LATENCY_BUCKETS_MS = [
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1000,
  2500,
  5000,
];

const OTHER = "other";

/** The limits counted by `remiro_limit_exceeded_total`, one series each from the start. */
export const LIMIT_NAMES = [
  "maxclients",
  "bulk",
  "multibulk",
  "output_buffer",
  "idle_timeout",
  "command_timeout",
  "connect_timeout",
] as const;

/** A limit a client or an upstream server ran into. */
export type LimitName = typeof LIMIT_NAMES[number];

type CounterChild = ReturnType<Counter<string>["labels"]>;

/** A count kept as a plain number on the hot path and handed to prom-client at scrape time. */
interface CountCell {
  target: Target;
  command: string;
  value: number;
}

/**
 * Caches one labelled child per command name. Only known names get an entry, so a client
 * sending random command names can neither grow the cache nor the number of time series.
 */
class ChildCache<T> {
  #children = new Map<string, T>();
  #other: T | undefined;

  constructor(
    private readonly knownCommands: ReadonlySet<string>,
    private readonly create: (command: string) => T,
  ) {}

  get(command: string): T {
    const child = this.#children.get(command);
    if (child !== undefined) return child;
    if (!this.knownCommands.has(command)) return this.#other ??= this.create(OTHER);
    const created = this.create(command);
    this.#children.set(command, created);
    return created;
  }
}

/**
 * The proxy's Prometheus metrics, in a registry of its own rather than prom-client's global
 * one, so several proxies can run in one process (as they do in tests).
 *
 * Command labels are bounded: names outside `knownCommands` are recorded as `"other"`. Names
 * are matched exactly, so callers pass them in the case of `knownCommands` (lower case).
 */
export class Metrics {
  /** Holds every remiro_* metric; render it with {@linkcode Metrics.render}. */
  readonly registry: Registry = new Registry();
  #cells: CountCell[] = [];
  #latencySeries: HistogramSeries[] = [];
  #commandsBySource: ChildCache<CountCell>;
  #commandsByDestination: ChildCache<CountCell>;
  #latency: ChildCache<HistogramSeries>;
  #keysCopied: Counter<string>;
  #copyMisses: Counter<string>;
  #copyErrors: Counter<string>;
  #sourceDeletions: Counter<string>;
  #upstreamErrors: Counter<string>;
  #upstreamErrorsSource: CounterChild;
  #upstreamErrorsDestination: CounterChild;
  #clients: Gauge<string>;
  #clientsTotal: Counter<string>;
  #protocolErrors: Counter<string>;
  #limitsExceeded: Counter<string>;

  /** @param knownCommands the command names that get a label of their own */
  constructor(knownCommands: ReadonlySet<string>) {
    const registers = [this.registry];
    const cells = this.#cells;
    const cell = (target: Target) => (command: string) => {
      const created = { target, command, value: 0 };
      cells.push(created);
      return created;
    };
    this.#commandsBySource = new ChildCache(knownCommands, cell("source"));
    this.#commandsByDestination = new ChildCache(knownCommands, cell("destination"));
    // prom-client's labelled inc() hashes the labels on every call; counting in plain cells
    // and copying them into the counter when it is scraped keeps the per-command cost at one
    // addition.
    new Counter({
      name: "remiro_command_count",
      help: "Requests sent to the upstream Redis servers, by target and command",
      labelNames: ["target", "command"],
      registers,
      collect() {
        this.reset();
        for (const c of cells) if (c.value > 0) this.labels(c.target, c.command).inc(c.value);
      },
    });
    const latency = new LatencyHistogram(
      "remiro_request_latency",
      "Time from receiving a client request to having its reply, in milliseconds",
      "command",
      LATENCY_BUCKETS_MS,
    );
    this.registry.registerMetric(latency.asMetric());
    this.#latency = new ChildCache(knownCommands, (command) => {
      const series = latency.series(command);
      this.#latencySeries.push(series);
      return series;
    });
    this.#keysCopied = new Counter({
      name: "remiro_keys_copied_total",
      help: "Keys copied from the source to the destination",
      registers,
    });
    this.#copyMisses = new Counter({
      name: "remiro_copy_misses_total",
      help: "Destination misses where the source did not have the key either",
      registers,
    });
    this.#copyErrors = new Counter({
      name: "remiro_copy_errors_total",
      help: "Keys that could not be copied from the source to the destination",
      registers,
    });
    this.#sourceDeletions = new Counter({
      name: "remiro_source_deletions_total",
      help: "Keys the proxy deleted from the source",
      registers,
    });
    const upstreamErrors = new Counter({
      name: "remiro_upstream_errors_total",
      help: "Requests that failed because an upstream Redis server was unreachable or broke",
      labelNames: ["target"],
      registers,
    });
    this.#upstreamErrors = upstreamErrors;
    this.#upstreamErrorsSource = upstreamErrors.labels("source");
    this.#upstreamErrorsDestination = upstreamErrors.labels("destination");
    // Both series exist from the start: a dashboard shows 0 errors rather than no data.
    this.#upstreamErrorsSource.inc(0);
    this.#upstreamErrorsDestination.inc(0);
    this.#clients = new Gauge({
      name: "remiro_client_connections",
      help: "Open client connections",
      registers,
    });
    this.#clientsTotal = new Counter({
      name: "remiro_client_connections_total",
      help: "Client connections accepted",
      registers,
    });
    this.#protocolErrors = new Counter({
      name: "remiro_protocol_errors_total",
      help: "Client connections closed because they sent malformed RESP",
      registers,
    });
    this.#limitsExceeded = new Counter({
      name: "remiro_limit_exceeded_total",
      help: "Clients refused or disconnected, and upstream commands failed, by the limit hit",
      labelNames: ["limit"],
      registers,
    });
    for (const limit of LIMIT_NAMES) this.#limitsExceeded.labels(limit).inc(0);
    new Gauge({
      name: "remiro_process_resident_memory_bytes",
      help: "Resident memory of the Remiro process (RSS), in bytes",
      registers,
      collect() {
        this.set(Deno.memoryUsage().rss);
      },
    });
  }

  /** Counts one time a limit was hit (a client refused or closed, a timeout). */
  limitExceeded(limit: LimitName): void {
    this.#limitsExceeded.labels(limit).inc();
  }

  /** Counts one request sent to an upstream server. */
  commandSent(target: Target, command: string): void {
    const cache = target === "source" ? this.#commandsBySource : this.#commandsByDestination;
    cache.get(command).value++;
  }

  /** Records how long a client request took, in milliseconds. */
  observeLatency(command: string, ms: number): void {
    this.#latency.get(command).observe(ms);
  }

  /** Counts a key copied from the source to the destination. */
  keyCopied(): void {
    this.#keysCopied.inc();
  }

  /** Counts a destination miss where the source did not have the key either. */
  copyMiss(): void {
    this.#copyMisses.inc();
  }

  /** Counts a key that could not be copied. */
  copyError(): void {
    this.#copyErrors.inc();
  }

  /** Counts keys deleted from the source. */
  sourceDeleted(n = 1): void {
    this.#sourceDeletions.inc(n);
  }

  /** Counts a request that failed because an upstream server did. */
  upstreamError(target: Target): void {
    (target === "source" ? this.#upstreamErrorsSource : this.#upstreamErrorsDestination).inc();
  }

  /** Counts a newly accepted client connection. */
  clientConnected(): void {
    this.#clients.inc();
    this.#clientsTotal.inc();
  }

  /** Counts a client connection that closed. */
  clientDisconnected(): void {
    this.#clients.dec();
  }

  /** Counts a client connection dropped for malformed RESP. */
  protocolError(): void {
    this.#protocolErrors.inc();
  }

  /** Totals of the counters, for sampling them without parsing the Prometheus text. */
  async totals(): Promise<MetricsTotals> {
    const sum = async (metric: Counter<string> | Gauge<string>) =>
      (await metric.get()).values.reduce((total, { value }) => total + value, 0);
    const latencyCounts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
    let requests = 0;
    for (const series of this.#latencySeries) {
      series.counts.forEach((count, i) => latencyCounts[i] += count);
      requests += series.count;
    }
    return {
      requests,
      upstreamCommands: this.#cells.reduce((total, cell) => total + cell.value, 0),
      keysCopied: await sum(this.#keysCopied),
      copyErrors: await sum(this.#copyErrors),
      upstreamErrors: await sum(this.#upstreamErrors),
      clients: await sum(this.#clients),
      latencyBoundsMs: LATENCY_BUCKETS_MS,
      latencyCounts,
    };
  }

  /** The metrics in Prometheus's text format, with the content type to serve them with. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
