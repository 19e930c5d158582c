import { matchesDigest, secretDigest } from "../util/mod.ts";

/**
 * The proxy's own password (`Password` in the config). Comparison is constant-time: both
 * sides are hashed first so their lengths never leak either.
 */
export class Credentials {
  #digest: Uint8Array;

  constructor(password: string) {
    this.#digest = secretDigest(password);
  }

  /** True when `username` (Redis's "default" when absent) and `password` match. */
  check(username: Uint8Array | undefined, password: Uint8Array): boolean {
    const matches = matchesDigest(password, this.#digest);
    const userOk = username === undefined || new TextDecoder().decode(username) === "default";
    return matches && userOk;
  }
}
