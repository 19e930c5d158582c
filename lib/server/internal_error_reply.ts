import { encodeError } from "../resp/mod.ts";
import { UpstreamError } from "../upstream/mod.ts";
import type { SessionOptions } from "./session_options.ts";

/**
 * The error reply for a command that failed inside the proxy: an upstream that could not be
 * reached (counted and logged as such) or a fault of the proxy's own (logged with its stack).
 */
export function internalErrorReply(
  error: unknown,
  clientId: number,
  options: Pick<SessionOptions, "metrics" | "log">,
): Uint8Array {
  if (error instanceof UpstreamError) {
    const target = error.target === "source" ? "source" : "destination";
    options.metrics.upstreamError(target);
    options.log?.warn("upstream error", { target, error: error.message });
    return encodeError(`ERR ${error.message}`);
  }
  options.log?.error("internal error", {
    client: clientId,
    error: (error as Error)?.stack ?? String(error),
  });
  return encodeError(`ERR internal error: ${(error as Error)?.message ?? error}`);
}
