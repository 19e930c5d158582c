import { parse, TomlError } from "smol-toml";
import { parseAddress } from "./address.ts";
import type { Config, ServerConfig } from "./config.ts";
import { ConfigError } from "./config_error.ts";
import { describeReadError } from "./describe_read_error.ts";
import { isTable } from "./describe_value.ts";
import { GROUP_KEYS, readGroup } from "./read_group.ts";
import { readHooks } from "./read_hooks.ts";
import { readMigration } from "./read_migration.ts";
import { readAuthLimits, readUsers, USER_KEYS } from "./read_users.ts";
import { LIMIT_KEYS, readLimits, readServerTimeouts, SERVER_TIMEOUT_KEYS } from "./read_limits.ts";
import { LISTEN_TLS_KEYS, readListenTls, readServerTls, SERVER_TLS_KEYS } from "./read_tls.ts";
import {
  KeyProblem,
  readBoolean,
  readCount,
  readDurationMs,
  readOptionalString,
  type Table,
  wrongType,
} from "./config_reader.ts";
import { suggestKey } from "./suggest_key.ts";

type SectionName = "Source" | "Destination";

const TOP_LEVEL_KEYS = [
  "DeleteOnGet",
  "DeleteOnSet",
  "AllowFlush",
  "Password",
  "AdminToken",
  "ShutdownTimeout",
  "ReusePort",
  ...LIMIT_KEYS,
  ...LISTEN_TLS_KEYS,
  ...USER_KEYS,
  "Source",
  "Destination",
  "Migration",
  "Hooks",
];
const SERVER_KEYS = [
  "Addr",
  "Password",
  "Username",
  "DB",
  "MaxIdleConns",
  "IdleTimeout",
  ...GROUP_KEYS,
  ...SERVER_TIMEOUT_KEYS,
  ...SERVER_TLS_KEYS,
];

/** Defaults of the Go Remiro's config template, which differ between the two servers. */
const SERVER_DEFAULTS: Record<SectionName, { maxIdleConns: number; idleTimeout: string }> = {
  Source: { maxIdleConns: 50, idleTimeout: "30s" },
  Destination: { maxIdleConns: 100, idleTimeout: "45s" },
};

function keyPath(section: SectionName | undefined, name: string): string {
  const shown = /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
  return section === undefined ? shown : `${section}.${shown}`;
}

function unknownKeyHint(section: SectionName | undefined, name: string): string {
  const own = section === undefined ? TOP_LEVEL_KEYS : SERVER_KEYS;
  const near = suggestKey(name, own);
  if (near !== undefined) return ` (did you mean ${JSON.stringify(near)}?)`;
  // TOML puts every key after a [section] header into that section, so a top-level key
  // written at the end of the file lands in the last section.
  if (section !== undefined) {
    const top = suggestKey(name, ["DeleteOnGet", "DeleteOnSet", "AllowFlush"]);
    if (top === name) return " (top-level keys must come before the first [section])";
    if (top !== undefined) {
      return ` (did you mean top-level ${JSON.stringify(top)}? ` +
        "Top-level keys must come before the first [section])";
    }
    return "";
  }
  const server = suggestKey(name, SERVER_KEYS);
  if (server === undefined) return "";
  const meant = server === name ? "" : `did you mean ${JSON.stringify(server)}? `;
  return ` (${meant}${JSON.stringify(server)} belongs in [Source] or [Destination])`;
}

function rejectUnknownKeys(table: Table, section: SectionName | undefined): void {
  const known = section === undefined ? TOP_LEVEL_KEYS : SERVER_KEYS;
  for (const name of Object.keys(table)) {
    if (known.includes(name)) continue;
    const problem = `unknown key ${JSON.stringify(name)}${unknownKeyHint(section, name)}`;
    throw new KeyProblem(keyPath(section, name), problem);
  }
}

function readIdleTimeout(table: Table, key: string, fallback: string): number {
  const ms = readDurationMs(table, key, "IdleTimeout", fallback);
  // In the Go Remiro (redigo's pool) a zero IdleTimeout kept idle connections forever.
  return ms === 0 ? Infinity : ms;
}

function readServer(doc: Table, section: SectionName, file: string): ServerConfig | undefined {
  const table = doc[section];
  if (table === undefined) return undefined;
  if (!isTable(table)) throw wrongType(section, `a table ([${section}] section)`, table);
  rejectUnknownKeys(table, section);
  const key = (name: string) => keyPath(section, name);

  const group = readGroup(table, key);
  const first = group?.members[0] ?? group?.sentinels[0];
  const addrValue = first ? first.addrText : table.Addr;
  if (addrValue === undefined) throw new KeyProblem(key("Addr"), "required");
  if (typeof addrValue !== "string") {
    throw wrongType(key("Addr"), 'an address string such as "127.0.0.1:6379"', addrValue);
  }
  let addr: ServerConfig["addr"];
  try {
    addr = parseAddress(addrValue);
  } catch (error) {
    throw new KeyProblem(key("Addr"), (error as RangeError).message);
  }

  const password = readOptionalString(table, key("Password"), "Password");
  const username = readOptionalString(table, key("Username"), "Username");
  if (username !== undefined && password === undefined) {
    throw new KeyProblem(
      key("Username"),
      `requires ${key("Password")} (ACL users log in with a username and a password)`,
    );
  }
  const defaults = SERVER_DEFAULTS[section];
  const server: ServerConfig = {
    addr,
    addrText: addrValue,
    db: readCount(table, key("DB"), "DB", 0),
    maxIdleConns: readCount(table, key("MaxIdleConns"), "MaxIdleConns", defaults.maxIdleConns),
    idleTimeoutMs: readIdleTimeout(table, key("IdleTimeout"), defaults.idleTimeout),
    ...readServerTimeouts(table, key),
  };
  // Optional keys are left out rather than set to undefined, so configs compare cleanly.
  if (password !== undefined) server.password = password;
  if (username !== undefined) server.username = username;
  const addresses = group ? [...group.members, ...group.sentinels] : [server];
  const tls = readServerTls(table, key, addresses, file);
  if (tls !== undefined) server.tls = tls;
  if (group !== undefined) {
    server.group = group;
    // Messages name the group by what the config lists.
    server.addrText = group.mode !== "sentinel"
      ? group.members.map((m) => m.addrText).join(",")
      : `sentinel ${group.masterName} (${group.sentinels.map((s) => s.addrText).join(",")})`;
  }
  return server;
}

function readConfig(doc: Table, file: string): Config {
  rejectUnknownKeys(doc, undefined);
  const deleteOnGet = readBoolean(doc, "DeleteOnGet");
  const deleteOnSet = readBoolean(doc, "DeleteOnSet");
  const password = readOptionalString(doc, "Password", "Password");
  const source = readServer(doc, "Source", file);
  const destination = readServer(doc, "Destination", file);
  if (destination === undefined) throw new KeyProblem("[Destination]", "section is required");
  const allowFlush = readBoolean(doc, "AllowFlush");
  const config: Config = { deleteOnGet, deleteOnSet, destination };
  if (allowFlush) config.allowFlush = true;
  const migration = readMigration(doc);
  if (migration !== undefined) {
    if (migration.sweep && source === undefined) {
      throw new KeyProblem("Migration.Sweep", "needs a [Source] to sweep");
    }
    config.migration = migration;
  }
  if (password !== undefined) config.password = password;
  if (source !== undefined) config.source = source;
  const adminToken = readOptionalString(doc, "AdminToken", "AdminToken");
  if (adminToken !== undefined) config.adminToken = adminToken;
  if (doc.ShutdownTimeout !== undefined) {
    config.shutdownTimeoutMs = readDurationMs(doc, "ShutdownTimeout", "ShutdownTimeout", "10s");
  }
  if (readBoolean(doc, "ReusePort")) config.reusePort = true;
  const limits = readLimits(doc);
  if (limits !== undefined) config.limits = limits;
  const tls = readListenTls(doc, file);
  if (tls !== undefined) config.tls = tls;
  const users = readUsers(doc, password !== undefined);
  if (users !== undefined) config.users = users;
  const authLimits = readAuthLimits(doc);
  if (authLimits !== undefined) config.authLimits = authLimits;
  const hooks = readHooks(doc, file);
  if (hooks !== undefined) config.hooks = hooks;
  return config;
}

function tomlProblem(error: unknown): string {
  if (!(error instanceof TomlError)) return `invalid TOML: ${(error as Error).message}`;
  // smol-toml's message starts with its own "Invalid TOML document:" and adds a code excerpt.
  const message = error.message.split("\n")[0].replace(/^Invalid TOML document:\s*/, "");
  return `invalid TOML at line ${error.line}, column ${error.column}: ${message}`;
}

/**
 * Parses and validates the text of a Remiro config file (TOML), filling in defaults.
 *
 * Accepts the Go Remiro's keys (case-sensitive) plus `Password`, `Username`, `DB` and unix
 * socket addresses. Unknown keys, wrong types and bad values are errors, never ignored.
 *
 * @param text the TOML text
 * @param file the file's path, for error messages
 * @throws {ConfigError} naming the key and the problem
 *
 * @example
 * ```ts
 * import { parseConfig } from "./load_config.ts";
 *
 * const config = parseConfig(
 *   '[Source]\nAddr = "10.0.0.5:6379"\n[Destination]\nAddr = "unix:/run/redis.sock"\n',
 *   "config.toml",
 * );
 * config.source?.maxIdleConns; // 50
 * config.destination.addr; // { path: "/run/redis.sock" }
 * ```
 */
export function parseConfig(text: string, file: string): Config {
  let doc: Table;
  try {
    doc = parse(text.replace(/^\uFEFF/, ""), { integersAsBigInt: true });
  } catch (error) {
    throw new ConfigError(file, undefined, tomlProblem(error), { cause: error });
  }
  try {
    return readConfig(doc, file);
  } catch (error) {
    if (error instanceof KeyProblem) throw new ConfigError(file, error.key, error.problem);
    throw error;
  }
}

export { describeReadError };

/**
 * Reads, parses and validates a Remiro config file.
 *
 * @param file path of the TOML file
 * @throws {ConfigError} when the file is missing or unreadable, or its content is invalid
 *
 * @example
 * ```ts
 * import { ConfigError, loadConfig } from "./mod.ts";
 *
 * try {
 *   const config = await loadConfig("config.toml");
 *   console.log(`migrating to ${config.destination.addrText}`);
 * } catch (error) {
 *   if (!(error instanceof ConfigError)) throw error;
 *   console.error(error.message); // Cannot load config config.toml: file not found
 * }
 * ```
 */
export async function loadConfig(file: string): Promise<Config> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new ConfigError(file, undefined, describeReadError(error), { cause: error });
  }
  return parseConfig(text, file);
}
