import { matchesDigest, secretDigest } from "../util/mod.ts";
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
  /** More read-only JSON endpoints, by path (e.g. `/admin/migration`); values may be promises. */
  json?: Record<string, () => unknown>;
  /** HTML pages, by path (the status page at `/`). */
  pages?: Record<string, () => string>;
  /**
   * POST endpoints, by path (e.g. `/admin/reload`). They answer 404 unless `adminToken` is set,
   * and 401 unless the request carries `Authorization: Bearer <adminToken>`.
   */
  actions?: Record<string, () => Promise<Response>>;
  /** The secret POST endpoints require; read on every request, so a reload can change it. */
  adminToken?: () => string | undefined;
}

/** A running instrumentation server. */
export interface RunningHttpServer {
  /** The port actually bound. */
  port: number;
  /** Stops listening and waits for requests in flight. */
  shutdown(): Promise<void>;
}

const ROUTES = new Set(["/metrics", "/health"]);

const NOT_FOUND = () => new Response("not found\n", { status: 404 });

async function respond(request: Request, options: HttpServerOptions): Promise<Response> {
  const { pathname } = new URL(request.url);
  const action = Object.hasOwn(options.actions ?? {}, pathname)
    ? options.actions?.[pathname]
    : undefined;
  if (action) return await act(request, action, options.adminToken?.());
  const json = Object.hasOwn(options.json ?? {}, pathname) ? options.json?.[pathname] : undefined;
  const page = Object.hasOwn(options.pages ?? {}, pathname) ? options.pages?.[pathname] : undefined;
  if (!ROUTES.has(pathname) && !json && !page) return NOT_FOUND();
  if (request.method !== "GET") {
    return new Response("method not allowed\n", { status: 405, headers: { allow: "GET" } });
  }
  if (json) return Response.json(await json());
  if (page) {
    return new Response(page(), {
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    });
  }
  if (pathname === "/metrics") {
    const { contentType, body } = await options.metrics.render();
    return new Response(body, { headers: { "content-type": contentType } });
  }
  const probes = typeof options.probes === "function" ? options.probes() : options.probes;
  const { ok, body } = await checkHealth(probes);
  return Response.json(body, { status: ok ? 200 : 500 });
}

/** Runs a POST endpoint for a request that carries the admin token. */
async function act(
  request: Request,
  action: () => Promise<Response>,
  token: string | undefined,
): Promise<Response> {
  // Without a token the admin endpoints do not exist: nothing to guess, nothing to abuse.
  if (token === undefined || token === "") return NOT_FOUND();
  if (request.method !== "POST") {
    return new Response("method not allowed\n", { status: 405, headers: { allow: "POST" } });
  }
  const given = request.headers.get("authorization") ?? "";
  if (!matchesDigest(given, secretDigest(`Bearer ${token}`))) {
    return new Response("unauthorized\n", {
      status: 401,
      headers: { "www-authenticate": "Bearer" },
    });
  }
  return await action();
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
