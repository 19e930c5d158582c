import { parseArgs } from "node:util";
import { parseDuration } from "../config/mod.ts";
import type { Output } from "./main.ts";
import { UsageError } from "./usage_error.ts";

export const HEALTH_USAGE = `Usage: remiro health [--url URL] [--timeout DURATION]

Asks a running remiro's /health and exits 0 when every upstream answers, 1 otherwise: a
container HEALTHCHECK that needs no shell or curl (the distroless image has neither).

  --url URL            default http://127.0.0.1:8888/health
  --timeout DURATION   give up after this long (default 3s)
`;

/** Runs `remiro health`: 0 healthy, 1 unhealthy or unreachable. */
export async function runHealthCommand(args: string[], output: Output): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      url: { type: "string", default: "http://127.0.0.1:8888/health" },
      timeout: { type: "string", default: "3s" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    output.out(HEALTH_USAGE);
    return 0;
  }
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(values.timeout);
  } catch (error) {
    throw new UsageError(`--timeout: ${(error as Error).message}`);
  }
  if (!URL.canParse(values.url)) throw new UsageError(`--url: "${values.url}" is not a URL`);
  try {
    const response = await fetch(values.url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.text()).trim();
    (response.ok ? output.out : output.err)(body);
    return response.ok ? 0 : 1;
  } catch (error) {
    output.err(`remiro health: ${values.url}: ${(error as Error).message}`);
    return 1;
  }
}
