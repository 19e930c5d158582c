import { KeyProblem, readCount, readDurationMs, type Table, wrongType } from "./config_reader.ts";

/** Top-level keys that limit what clients may do, named after Redis's settings. */
export const LIMIT_KEYS = [
  "MaxClients",
  "ProtoMaxBulkLen",
  "MaxMultibulkLength",
  "ClientOutputBufferLimit",
  "Timeout",
];

/** Keys of a `[Source]`/`[Destination]` section that bound how long the server may take. */
export const SERVER_TIMEOUT_KEYS = ["ConnectTimeout", "CommandTimeout"];

/** What one client may hold or cost; every field has Redis's default or a safe one. */
export interface ClientLimits {
  /** `MaxClients` (Redis `maxclients`): connections beyond it are refused. */
  maxClients: number;
  /** `ProtoMaxBulkLen` (Redis `proto-max-bulk-len`): the largest bulk argument, in bytes. */
  protoMaxBulkLen: number;
  /** `MaxMultibulkLength`: the most arguments in one request. */
  maxMultibulkLength: number;
  /**
   * `ClientOutputBufferLimit`: bytes of replies a client may leave unread before it is
   * disconnected; 0 means no limit.
   */
  clientOutputBufferLimit: number;
  /** `Timeout` (Redis `timeout`) in milliseconds: idle clients are closed; 0 never. */
  idleTimeoutMs: number;
}

/** The limits of a config that sets none of {@linkcode LIMIT_KEYS}. */
export const DEFAULT_CLIENT_LIMITS: Readonly<ClientLimits> = Object.freeze({
  maxClients: 10_000,
  protoMaxBulkLen: 512 * 1024 * 1024,
  maxMultibulkLength: 1024 * 1024,
  // Redis leaves normal clients unlimited, but Redis holds one copy of a reply in its own
  // memory; a proxy that buffers for a client that never reads would grow without bound, so a
  // hard limit well above any sane reply (proto-max-bulk-len is 512mb per value) protects it.
  clientOutputBufferLimit: 256 * 1024 * 1024,
  idleTimeoutMs: 0,
});

/** Per-server timeouts: `ConnectTimeout` and `CommandTimeout`, in milliseconds. */
export interface ServerTimeouts {
  connectTimeoutMs: number;
  /** 0: no limit. */
  commandTimeoutMs: number;
}

/** Connect in 5 s or fail; commands may take as long as they take unless configured. */
export const DEFAULT_SERVER_TIMEOUTS: Readonly<ServerTimeouts> = Object.freeze({
  connectTimeoutMs: 5000,
  commandTimeoutMs: 0,
});

// Redis's memtoll units: k/m/g are powers of 1000, kb/mb/gb powers of 1024.
const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 ** 2,
  mb: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1024 ** 3,
};

/**
 * A size as Redis's config file writes it: `"512mb"`, `"64k"`, `"1gb"` or a plain integer of
 * bytes (a TOML integer or a string of digits).
 *
 * @throws {RangeError} for anything else
 */
export function parseSize(value: string | bigint): number {
  if (typeof value === "bigint") {
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`${value} is not a size in bytes`);
    }
    return Number(value);
  }
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new RangeError(`${JSON.stringify(value)} is not a size such as "512mb"`);
  }
  const bytes = Number(match[1]) * unit;
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`${JSON.stringify(value)} is too large`);
  return bytes;
}

function readSize(table: Table, key: string, fallback: number): number {
  const value = table[key];
  if (value === undefined) return fallback;
  if (typeof value !== "string" && typeof value !== "bigint") {
    throw wrongType(key, 'a size such as "512mb" or a number of bytes', value);
  }
  try {
    return parseSize(value);
  } catch (error) {
    throw new KeyProblem(key, (error as RangeError).message);
  }
}

/** `Timeout`: whole seconds as in redis.conf, or a duration string such as "5m". */
function readIdleTimeout(table: Table): number {
  const value = table.Timeout;
  if (typeof value === "bigint") return readCount(table, "Timeout", "Timeout", 0) * 1000;
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value) * 1000;
  return readDurationMs(table, "Timeout", "Timeout", "0");
}

function atLeast(key: string, value: number, minimum: number, what: string): number {
  if (value < minimum) throw new KeyProblem(key, `must be at least ${what}, got ${value}`);
  return value;
}

/**
 * Reads the client limits from the top level of a config file, with defaults for the keys
 * it does not set; undefined when it sets none (the defaults apply).
 *
 * @example
 * ```ts
 * import { readLimits } from "./read_limits.ts";
 *
 * readLimits({ MaxClients: 100n, Timeout: "5m" })?.idleTimeoutMs; // 300000
 * ```
 */
export function readLimits(doc: Table): ClientLimits | undefined {
  if (LIMIT_KEYS.every((name) => doc[name] === undefined)) return undefined;
  const d = DEFAULT_CLIENT_LIMITS;
  const maxClients = readCount(doc, "MaxClients", "MaxClients", d.maxClients);
  const bulk = readSize(doc, "ProtoMaxBulkLen", d.protoMaxBulkLen);
  return {
    maxClients: atLeast("MaxClients", maxClients, 1, "1"),
    // As Redis's own minimum for proto-max-bulk-len.
    protoMaxBulkLen: atLeast("ProtoMaxBulkLen", bulk, 1024 * 1024, "1mb (1048576)"),
    maxMultibulkLength: atLeast(
      "MaxMultibulkLength",
      readCount(doc, "MaxMultibulkLength", "MaxMultibulkLength", d.maxMultibulkLength),
      1,
      "1",
    ),
    clientOutputBufferLimit: readSize(doc, "ClientOutputBufferLimit", d.clientOutputBufferLimit),
    idleTimeoutMs: readIdleTimeout(doc),
  };
}

/**
 * Reads `ConnectTimeout` and `CommandTimeout` of a server section; only the keys the section
 * sets are in the result, so configs that set none compare equal to ones written before them.
 */
export function readServerTimeouts(
  table: Table,
  key: (name: string) => string,
): Partial<ServerTimeouts> {
  const timeouts: Partial<ServerTimeouts> = {};
  if (table.ConnectTimeout !== undefined) {
    const connect = readDurationMs(table, key("ConnectTimeout"), "ConnectTimeout", "5s");
    if (connect === 0) throw new KeyProblem(key("ConnectTimeout"), "must be positive");
    timeouts.connectTimeoutMs = connect;
  }
  if (table.CommandTimeout !== undefined) {
    timeouts.commandTimeoutMs = readDurationMs(table, key("CommandTimeout"), "CommandTimeout", "0");
  }
  return timeouts;
}
