/** The hooks module could not be started (not found, a syntax error, a missing flag). */
export class HookLoadError extends Error {
  override name = "HookLoadError";
}

/** A hook failed under the `stop` policy (or `retry` ran out): replication must stop. */
export class HookFailedError extends Error {
  override name = "HookFailedError";
}
