import { type CommandSpec, extractKeys } from "../commands/mod.ts";
import { encodeError } from "../resp/mod.ts";
import { matchesDigest, secretDigest } from "../util/mod.ts";
import { CommandRules } from "./command_rules.ts";
import { KeyPatterns } from "./key_patterns.ts";

/** One `[[Users]]` entry (or the default user) as the config describes it. */
export interface AclUserSpec {
  name: string;
  /** Absent for a `NoPass` user, who logs in with any password. */
  password?: string;
  nopass: boolean;
  /** Rules in Redis's ACL syntax, applied in order. */
  commands: readonly string[];
  /** Glob patterns of the keys the user may touch; `*` or `allkeys` for all. */
  keys: readonly string[];
  /** A disabled user cannot log in; clients already logged in as it keep working, as in Redis. */
  enabled: boolean;
}

/** Redis 7.0's refusal of a key outside the user's patterns. */
export const NOPERM_KEY: Uint8Array = encodeError(
  "NOPERM this user has no permissions to access one of the keys used as arguments",
);

/** Redis 7.0's refusal of a command the user may not run; `command` is its full name. */
export function nopermCommand(command: string): Uint8Array {
  return encodeError(`NOPERM this user has no permissions to run the '${command}' command`);
}

/**
 * A user the proxy enforces: its password digest (compared in constant time), the commands
 * it may run and the keys it may touch. Immutable: a reload builds new users.
 *
 * @example
 * ```ts
 * import { lookupCommand } from "../commands/mod.ts";
 * import { AclUser } from "./acl_user.ts";
 *
 * const user = new AclUser({
 *   name: "reader", password: "pw", nopass: false, enabled: true,
 *   commands: ["+@read"], keys: ["app:*"],
 * });
 * const args = ["get", "app:1"].map((a) => new TextEncoder().encode(a));
 * console.assert(user.check(lookupCommand(args), "get", args) === undefined);
 * ```
 */
export class AclUser {
  readonly name: string;
  readonly enabled: boolean;
  readonly nopass: boolean;
  /** Every command and every key: {@linkcode AclUser.check} has nothing to refuse. */
  readonly unrestricted: boolean;
  #digest: Uint8Array | undefined;
  #commands: CommandRules;
  #keys: KeyPatterns;

  /** @throws {AclRuleError} for a rule that cannot be compiled */
  constructor(spec: AclUserSpec) {
    this.name = spec.name;
    this.enabled = spec.enabled;
    this.nopass = spec.nopass;
    this.#digest = spec.password === undefined ? undefined : secretDigest(spec.password);
    this.#commands = CommandRules.compile(spec.commands);
    this.#keys = new KeyPatterns(spec.keys);
    this.unrestricted = this.#commands.allCommands && this.#keys.allKeys;
  }

  /**
   * True for the user's password (any password for a `nopass` user). The digest is compared
   * even when the user is disabled, so the answer takes the same time either way.
   */
  passwordMatches(password: Uint8Array): boolean {
    const matches = this.#digest !== undefined && matchesDigest(password, this.#digest);
    return this.nopass || matches;
  }

  /**
   * Undefined when the user may run the command, else Redis's NOPERM error. `spec` is the
   * subcommand's when the request names one; `name` names commands the table does not know.
   */
  check(
    spec: CommandSpec | undefined,
    name: string,
    args: readonly Uint8Array[],
  ): Uint8Array | undefined {
    if (this.unrestricted) return undefined;
    // AUTH, HELLO, QUIT and RESET are open to every user, as in Redis.
    if (!this.#commands.allows(spec) && !spec?.flags.has("no_auth")) {
      return nopermCommand(spec?.name ?? name);
    }
    if (this.#keys.allKeys || spec === undefined || spec.keySpecs.length === 0) return undefined;
    for (const ref of extractKeys(spec, args)) {
      if (!this.#keys.matches(ref.key)) return NOPERM_KEY;
    }
    return undefined;
  }
}
