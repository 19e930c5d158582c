import { AclUser, type AclUserSpec } from "./acl_user.ts";

/** The name Redis gives the user clients are before they AUTH with a username. */
export const DEFAULT_USER = "default";

const textDecoder = new TextDecoder();

/**
 * The proxy's users by name. `default` always exists: from its own `[[Users]]` entry when the
 * config has one, otherwise with every command and key and the top-level `Password` (`nopass`
 * without one, as Redis's default user).
 */
export class UserDirectory {
  readonly defaultUser: AclUser;
  #users: ReadonlyMap<string, AclUser>;
  /** Compared against for unknown names, so their answer takes as long as a known user's. */
  #decoy = new AclUser({
    name: "",
    password: "",
    nopass: false,
    enabled: false,
    commands: [],
    keys: [],
  });

  /** @throws {AclRuleError} for a rule that cannot be compiled */
  constructor(password: string | undefined, users: readonly AclUserSpec[] = []) {
    const byName = new Map<string, AclUser>();
    for (const spec of users) byName.set(spec.name, new AclUser(spec));
    if (!byName.has(DEFAULT_USER)) {
      byName.set(
        DEFAULT_USER,
        new AclUser({
          name: DEFAULT_USER,
          password,
          nopass: password === undefined,
          enabled: true,
          commands: ["allcommands"],
          keys: ["allkeys"],
        }),
      );
    }
    this.#users = byName;
    this.defaultUser = byName.get(DEFAULT_USER)!;
  }

  get(name: string): AclUser | undefined {
    return this.#users.get(name);
  }

  /** The user a new client is: `default` when it needs no password and is enabled. */
  get initialUser(): AclUser | undefined {
    const user = this.defaultUser;
    return user.nopass && user.enabled ? user : undefined;
  }

  /**
   * The user `username` (`default` when absent) with `password`, or undefined when the name is
   * unknown, the password wrong or the user disabled: callers cannot tell which, as in Redis.
   */
  authenticate(username: Uint8Array | undefined, password: Uint8Array): AclUser | undefined {
    const name = username === undefined ? DEFAULT_USER : textDecoder.decode(username);
    const user = this.#users.get(name);
    const matches = (user ?? this.#decoy).passwordMatches(password);
    return user !== undefined && user.enabled && matches ? user : undefined;
  }
}
