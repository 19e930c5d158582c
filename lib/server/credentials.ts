import {
  type AclUser,
  AuthLimiter,
  type AuthLimits,
  DEFAULT_AUTH_FAILURE_LIMIT,
  DEFAULT_AUTH_FAILURE_WINDOW_MS,
  UserDirectory,
} from "../acl/mod.ts";
import { encodeError, WRONGPASS } from "../resp/mod.ts";

/** The refusal of AUTH from an address that failed too often; its password is not checked. */
export const AUTH_RATE_LIMITED: Uint8Array = encodeError(
  "ERR too many failed AUTH attempts from this address, retry later",
);

/** Why an AUTH failed, for the `remiro_auth_failures_total` counter. */
export type AuthFailure = "wrongpass" | "rate_limited";

/** Options of {@linkcode Credentials}. */
export interface CredentialsOptions {
  /** Counts a failed attempt; never given the user name or the password. */
  onFailure?: (reason: AuthFailure) => void;
  limits?: AuthLimits;
  now?: () => number;
}

/**
 * Who may log in to the proxy: its users (the default user's password is `Password`) and the
 * per-address limit on failed attempts. One instance serves every client; a reload replaces
 * the users in place, so AUTH checks the new passwords at once.
 */
export class Credentials {
  #users: UserDirectory;
  #limiter: AuthLimiter;
  #onFailure: (reason: AuthFailure) => void;

  constructor(users: UserDirectory, options: CredentialsOptions = {}) {
    this.#users = users;
    this.#limiter = new AuthLimiter(
      options.limits ??
        { limit: DEFAULT_AUTH_FAILURE_LIMIT, windowMs: DEFAULT_AUTH_FAILURE_WINDOW_MS },
      options.now,
    );
    this.#onFailure = options.onFailure ?? (() => {});
  }

  /** A proxy whose only user is `default` with `password` (none: every client is logged in). */
  static forPassword(password: string | undefined, options?: CredentialsOptions): Credentials {
    return new Credentials(new UserDirectory(password), options);
  }

  get users(): UserDirectory {
    return this.#users;
  }

  /** Puts reloaded users and limits in service; failure counts are kept. */
  update(users: UserDirectory, limits?: AuthLimits): void {
    this.#users = users;
    if (limits) this.#limiter.limits = limits;
  }

  /**
   * AUTH and HELLO ... AUTH from a client at `host`: the user it becomes, or the error to reply
   * (Redis's WRONGPASS, or the rate limit's refusal).
   */
  login(
    host: string,
    username: Uint8Array | undefined,
    password: Uint8Array,
  ): AclUser | Uint8Array {
    if (this.#limiter.blocked(host)) {
      this.#onFailure("rate_limited");
      return AUTH_RATE_LIMITED;
    }
    const user = this.#users.authenticate(username, password);
    if (user) return user;
    this.#limiter.failed(host);
    this.#onFailure("wrongpass");
    return WRONGPASS;
  }
}
