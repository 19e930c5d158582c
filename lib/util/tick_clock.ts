let cached = -1;
const forget = () => {
  cached = -1;
};

/**
 * `performance.now()`, read at most once per event-loop turn. Reading the clock is a call into
 * the runtime (about a quarter of a microsecond); the proxy needs it several times per request,
 * and everything that completes in one turn (the reads of many clients, the replies of one
 * upstream read) happened at the same moment for its purposes.
 */
export function tickNow(): number {
  if (cached < 0) {
    cached = performance.now();
    queueMicrotask(forget);
  }
  return cached;
}
