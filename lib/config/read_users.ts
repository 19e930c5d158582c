import {
  aclCategories,
  AclRuleError,
  CommandRules,
  DEFAULT_AUTH_FAILURE_LIMIT,
  DEFAULT_AUTH_FAILURE_WINDOW_MS,
} from "../acl/mod.ts";
import type { AuthLimitsConfig, UserConfig } from "./config.ts";
import { isTable } from "./describe_value.ts";
import {
  KeyProblem,
  readCount,
  readDurationMs,
  readOptionalString,
  refuseUnknownKeys,
  type Table,
  wrongType,
} from "./config_reader.ts";

/** Top-level keys this file reads. */
export const USER_KEYS = ["Users", "AuthFailureLimit", "AuthFailureWindow"];

const ENTRY_KEYS = ["Name", "Password", "NoPass", "Commands", "Keys", "Enabled"];

function readStringList(table: Table, key: string, name: string): string[] {
  const value = table[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw wrongType(key, "a list of strings", value);
  return value.map((item) => {
    if (typeof item !== "string") throw wrongType(key, "a list of strings", item);
    return item;
  });
}

function readFlag(table: Table, key: string, name: string, fallback: boolean): boolean {
  const value = table[name];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw wrongType(key, "a boolean", value);
  return value;
}

/** Compiles the rules now, so a typo stops the start (or the reload) instead of a client. */
function checkRules(key: string, rules: readonly string[]): void {
  try {
    CommandRules.compile(rules);
  } catch (error) {
    if (!(error instanceof AclRuleError)) throw error;
    const categories = error.rule.includes("@")
      ? ` (categories: ${[...aclCategories()].sort().join(", ")}, all)`
      : "";
    throw new KeyProblem(key, `${error.message}${categories}`);
  }
}

function readUser(value: unknown, index: number): UserConfig {
  const at = `Users[${index}]`;
  if (!isTable(value as Table[string])) {
    throw new KeyProblem(at, "expected a table ([[Users]] with Name, Password, Commands, Keys)");
  }
  const table = value as Table;
  refuseUnknownKeys(table, at, ENTRY_KEYS);
  const name = table.Name;
  if (name === undefined) throw new KeyProblem(`${at}.Name`, "required");
  if (typeof name !== "string" || !/^[^\s]+$/.test(name)) {
    throw wrongType(`${at}.Name`, "a user name without spaces", name);
  }
  const password = readOptionalString(table, `${at}.Password`, "Password");
  const nopass = readFlag(table, `${at}.NoPass`, "NoPass", false);
  if (nopass && password !== undefined) {
    throw new KeyProblem(`${at}.Password`, "not used with NoPass = true (any password logs in)");
  }
  if (!nopass && password === undefined) {
    throw new KeyProblem(
      `${at}.Password`,
      `required for user ${JSON.stringify(name)} (or NoPass = true)`,
    );
  }
  const commands = readStringList(table, `${at}.Commands`, "Commands");
  checkRules(`${at}.Commands`, commands);
  const user: UserConfig = {
    name,
    nopass,
    commands,
    keys: readStringList(table, `${at}.Keys`, "Keys"),
    enabled: readFlag(table, `${at}.Enabled`, "Enabled", true),
  };
  if (password !== undefined) user.password = password;
  return user;
}

/**
 * `[[Users]]`: the users clients log in as with `AUTH <user> <pass>`, each with commands in
 * Redis's ACL rule syntax and key patterns. A `default` entry replaces the default user, whose
 * password is otherwise the top-level `Password`; the two together are an error.
 */
export function readUsers(doc: Table, hasPassword: boolean): UserConfig[] | undefined {
  const value = doc.Users;
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw wrongType("Users", "an array of tables ([[Users]] sections)", value);
  }
  const users = value.map(readUser);
  const seen = new Set<string>();
  users.forEach((user, index) => {
    if (seen.has(user.name)) {
      throw new KeyProblem(
        `Users[${index}].Name`,
        `user ${JSON.stringify(user.name)} is defined twice`,
      );
    }
    seen.add(user.name);
  });
  if (hasPassword && seen.has("default")) {
    throw new KeyProblem(
      "Password",
      'not used with a [[Users]] entry named "default" (give the default user its password there)',
    );
  }
  return users;
}

/**
 * `AuthFailureLimit` (failed AUTHs per client address, 0: no limit) and `AuthFailureWindow`;
 * undefined when the config sets neither (the defaults apply).
 */
export function readAuthLimits(doc: Table): AuthLimitsConfig | undefined {
  if (doc.AuthFailureLimit === undefined && doc.AuthFailureWindow === undefined) return undefined;
  const limit = readCount(doc, "AuthFailureLimit", "AuthFailureLimit", DEFAULT_AUTH_FAILURE_LIMIT);
  const windowMs = readDurationMs(
    doc,
    "AuthFailureWindow",
    "AuthFailureWindow",
    `${DEFAULT_AUTH_FAILURE_WINDOW_MS / 1000}s`,
  );
  if (windowMs <= 0) throw new KeyProblem("AuthFailureWindow", "must be positive");
  return { limit, windowMs };
}
