import type { TomlValue } from "smol-toml";
import { describeValue } from "./describe_value.ts";
import { parseDuration } from "./duration.ts";
import { suggestKey } from "./suggest_key.ts";

/** A TOML table as smol-toml parses it. */
export type Table = { [key: string]: TomlValue };

const MAX_INT32 = 2 ** 31 - 1;

/** A problem with one key; {@linkcode parseConfig} adds the file name. */
export class KeyProblem extends Error {
  constructor(readonly key: string, readonly problem: string) {
    super(`${key}: ${problem}`);
  }
}

export function wrongType(key: string, expected: string, value: TomlValue): KeyProblem {
  const secret = key.endsWith("Password") || key === "AdminToken";
  return new KeyProblem(key, `expected ${expected}, got ${describeValue(value, { secret })}`);
}

export function readBoolean(table: Table, name: string): boolean {
  const value = table[name];
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw wrongType(name, "a boolean", value);
  return value;
}

/** A string option; empty means unset, as Go's zero value did. */
export function readOptionalString(table: Table, key: string, name: string): string | undefined {
  const value = table[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw wrongType(key, "a string", value);
  return value === "" ? undefined : value;
}

export function readCount(table: Table, key: string, name: string, fallback: number): number {
  const value = table[name];
  if (value === undefined) return fallback;
  if (typeof value !== "bigint") throw wrongType(key, "an integer", value);
  if (value < 0n) throw new KeyProblem(key, `must not be negative, got ${value}`);
  if (value > BigInt(MAX_INT32)) {
    throw new KeyProblem(key, `must be at most ${MAX_INT32}, got ${value}`);
  }
  return Number(value);
}

export function readDurationMs(table: Table, key: string, name: string, fallback: string): number {
  const value = table[name] ?? fallback;
  if (typeof value !== "string") throw wrongType(key, 'a duration string such as "30s"', value);
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (error) {
    throw new KeyProblem(key, (error as RangeError).message);
  }
  if (ms < 0) throw new KeyProblem(key, `must not be negative, got ${JSON.stringify(value)}`);
  return ms;
}

/**
 * Refuses the first key of `table` that is not in `known`, reported as `at.Key` and with the
 * nearest known key when one is close (a misspelt key must not be silently ignored).
 */
export function refuseUnknownKeys(table: Table, at: string, known: readonly string[]): void {
  for (const name of Object.keys(table)) {
    if (known.includes(name)) continue;
    const near = suggestKey(name, known);
    const hint = near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`;
    throw new KeyProblem(`${at}.${name}`, `unknown key ${JSON.stringify(name)}${hint}`);
  }
}
