/** Failed AUTH attempts one client address may make within a window (`AuthFailureLimit`). */
export const DEFAULT_AUTH_FAILURE_LIMIT = 10;
/** The window failures are counted in, and how long an address is then refused (`AuthFailureWindow`). */
export const DEFAULT_AUTH_FAILURE_WINDOW_MS = 60_000;

/** Options of {@linkcode AuthLimiter}; a limit of 0 turns the limiter off. */
export interface AuthLimits {
  limit: number;
  windowMs: number;
}

interface AddressRecord {
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

/** Addresses remembered at most; past it, records whose window ended are forgotten. */
const MAX_TRACKED = 10_000;

/**
 * Counts failed AUTH attempts per client address (the host, whatever the port): after `limit`
 * failures within `windowMs`, the address is refused for `windowMs` without its passwords
 * being checked, so guessing runs at `limit` tries per window at most. Other addresses are
 * not affected.
 *
 * @example
 * ```ts
 * import { AuthLimiter } from "./auth_limiter.ts";
 *
 * const limiter = new AuthLimiter({ limit: 2, windowMs: 60_000 });
 * limiter.failed("10.0.0.9");
 * limiter.failed("10.0.0.9");
 * console.assert(limiter.blocked("10.0.0.9") && !limiter.blocked("10.0.0.8"));
 * ```
 */
export class AuthLimiter {
  limits: AuthLimits;
  #records = new Map<string, AddressRecord>();
  #now: () => number;

  constructor(limits: AuthLimits, now: () => number = () => performance.now()) {
    this.limits = limits;
    this.#now = now;
  }

  /** True while `host` is refused. */
  blocked(host: string): boolean {
    const record = this.#records.get(host);
    return record !== undefined && this.limits.limit > 0 && this.#now() < record.blockedUntil;
  }

  /** Counts a failed attempt from `host`. */
  failed(host: string): void {
    const { limit, windowMs } = this.limits;
    if (limit <= 0) return;
    const now = this.#now();
    let record = this.#records.get(host);
    if (record === undefined || now - record.windowStart >= windowMs) {
      if (record === undefined && this.#records.size >= MAX_TRACKED) this.#forgetOld(now);
      record = { windowStart: now, failures: 0, blockedUntil: record?.blockedUntil ?? 0 };
      this.#records.set(host, record);
    }
    record.failures++;
    if (record.failures >= limit) record.blockedUntil = now + windowMs;
  }

  #forgetOld(now: number): void {
    const { windowMs } = this.limits;
    for (const [host, record] of this.#records) {
      if (now - record.windowStart >= windowMs && now >= record.blockedUntil) {
        this.#records.delete(host);
      }
    }
  }
}
