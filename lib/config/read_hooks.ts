import { dirname, isAbsolute, join } from "node:path";
import {
  KeyProblem,
  readBoolean,
  readDurationMs,
  readOptionalString,
  refuseUnknownKeys,
  type Table,
  wrongType,
} from "./config_reader.ts";

/** `Hooks = "file.ts"`, or a `[Hooks]` table: user hooks on the proxy's copy on read. */
export interface HooksConfig {
  /** The module, resolved against the config file's directory. */
  module: string;
  /** `AllowNet`: hosts the hooks may reach (default none). */
  allowNet: string[];
  /** `AllowRead`: paths the hooks may read besides their own file (default none). */
  allowRead: string[];
  /** `AllowEnv`: the hooks may read environment variables. */
  allowEnv: boolean;
  /** `Timeout`: how long one call may take (default 1s). */
  timeoutMs: number;
  /** `OnChange`: built-in sinks, as `--on-change` takes them. */
  onChange: string[];
}

const HOOKS_KEYS = ["Module", "AllowNet", "AllowRead", "AllowEnv", "Timeout", "OnChange"];

function readStrings(table: Table, name: string): string[] {
  const value = table[name];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw wrongType(`Hooks.${name}`, "a list of strings", value);
  }
  return value as string[];
}

/** Reads `Hooks`; undefined when absent. Module paths are relative to the config file. */
export function readHooks(doc: Table, configFile: string): HooksConfig | undefined {
  const value = doc.Hooks;
  if (value === undefined) return undefined;
  const resolve = (path: string) =>
    /^[a-z]+:/i.test(path) || isAbsolute(path) ? path : join(dirname(configFile), path);
  if (typeof value === "string") {
    if (value === "") throw new KeyProblem("Hooks", "must name a module");
    return {
      module: resolve(value),
      allowNet: [],
      allowRead: [],
      allowEnv: false,
      timeoutMs: 1000,
      onChange: [],
    };
  }
  if (
    typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date
  ) {
    throw wrongType("Hooks", 'a module path such as "hooks.ts", or a [Hooks] table', value);
  }
  const table = value as Table;
  refuseUnknownKeys(table, "Hooks", HOOKS_KEYS);
  const module = readOptionalString(table, "Hooks.Module", "Module");
  const onChange = readStrings(table, "OnChange");
  if (module === undefined && onChange.length === 0) {
    throw new KeyProblem("Hooks.Module", "required (or OnChange)");
  }
  return {
    module: module === undefined ? "" : resolve(module),
    allowNet: readStrings(table, "AllowNet"),
    allowRead: readStrings(table, "AllowRead"),
    allowEnv: readBoolean(table, "AllowEnv"),
    timeoutMs: readDurationMs(table, "Hooks.Timeout", "Timeout", "1s"),
    onChange,
  };
}
