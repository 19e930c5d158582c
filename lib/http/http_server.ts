import { checkHealth, type HealthProbe } from "./health.ts";
/** Anything that renders Prometheus text: the proxy's Metrics, the reshard proxy's. */
export interface MetricsSource {
  render(): Promise<{ contentType: string; body: string }>;
}

/** Options of {@linkcode startHttpServer}. */
export interface HttpServerOptions {
  hostname: string;
  /** 0 picks a free port; the chosen one is in the result. */
  port: number;
  metrics: MetricsSource;
  /** The servers `/health` checks; a function when they change while running. */
  probes: readonly HealthProbe[] | (() => readonly HealthProbe[]);
  /** More read-only JSON endpoints, by path (e.g. `/admin/migration`). */
  json?: Record<string, () => unknown>;
}

/** A running instrumentation server. */
export interface RunningHttpServer {
  /** The port actually bound. */
  port: number;
  /** Stops listening and waits for requests in flight. */
  shutdown(): Promise<void>;
}

const ROUTES = new Set(["/metrics", "/health"]);

async function respond(request: Request, options: HttpServerOptions): Promise<Response> {
  const { pathname } = new URL(request.url);
  const json = options.json?.[pathname];
  if (!ROUTES.has(pathname) && !json) return new Response("not found\n", { status: 404 });
  if (request.method !== "GET") {
    return new Response("method not allowed\n", { status: 405, headers: { allow: "GET" } });
  }
  if (json) return Response.json(json());
  if (pathname === "/metrics") {
    const { contentType, body } = await options.metrics.render();
    return new Response(body, { headers: { "content-type": contentType } });
  }
  const probes = typeof options.probes === "function" ? options.probes() : options.probes;
  const { ok, body } = await checkHealth(probes);
  return Response.json(body, { status: ok ? 200 : 500 });
}

/**
 * Serves `GET /metrics` (Prometheus text) and `GET /health` (200 or 500 with a JSON body per
 * upstream server) on the instrumentation port. Throws when the port cannot be bound.
 */
export function startHttpServer(options: HttpServerOptions): RunningHttpServer {
  const server = Deno.serve(
    { hostname: options.hostname, port: options.port, onListen: () => {} },
    (request) => respond(request, options),
  );
  return { port: server.addr.port, shutdown: () => server.shutdown() };
}
