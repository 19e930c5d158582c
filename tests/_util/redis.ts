/**
 * Redis servers for integration tests, and polling for a condition instead of sleeping.
 *
 * @module
 */
export { freePort, RedisServer } from "../../lib/redis_process/mod.ts";

/** Options of {@linkcode waitFor}. */
export interface WaitForOptions {
  /** Defaults to 5000. */
  timeoutMs?: number;
  /** Pause between attempts; defaults to 20. */
  intervalMs?: number;
  /** Starts the timeout error's message. */
  message?: string;
}

/**
 * Polls `condition` until it returns true. Throws `Error(message + " (waited N ms)")` after
 * `timeoutMs`, also when an attempt is still pending then. An attempt that throws counts as
 * not yet, and its error is added to the timeout message.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<void> {
  const { timeoutMs = 5000, intervalMs = 20, message = "condition not met" } = options;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastError: unknown;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), timeoutMs);
  });
  try {
    while (true) {
      const attempt = Promise.resolve().then(condition).catch((error: unknown) => {
        lastError = error;
        return false;
      });
      const result = await Promise.race([attempt, expired]);
      if (result === true) return;
      if (result === "expired" || Date.now() >= deadline) break;
      // Never past the deadline, so no timer outlives the call.
      const pause = Math.min(intervalMs, deadline - Date.now());
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  } finally {
    clearTimeout(timer);
  }
  const detail = lastError === undefined
    ? ""
    : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
  throw new Error(`${message} (waited ${Date.now() - started} ms${detail})`);
}
