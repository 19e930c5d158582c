/**
 * An upstream Redis server cannot be reached or dropped the connection.
 *
 * The message is the text the client receives after "ERR", e.g.
 * `upstream destination unavailable: connection refused (127.0.0.1:6381)`.
 */
export class UpstreamError extends Error {
  override name = "UpstreamError";
  constructor(readonly target: string, readonly reason: string) {
    super(`upstream ${target} unavailable: ${reason}`);
  }
}

/** A short reason for a connection failure, without stack or Deno's error class name. */
export function describeNetworkError(error: unknown): string {
  if (error instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (error instanceof Deno.errors.ConnectionReset) return "connection reset";
  if (error instanceof Deno.errors.TimedOut) {
    return error.message.startsWith("TLS") ? error.message : "timed out";
  }
  if (error instanceof Deno.errors.BrokenPipe) return "connection closed";
  if (error instanceof Error) return error.message.split("\n")[0];
  return String(error);
}
