import { TomlDate, type TomlValue } from "smol-toml";

// Long values would make the one-line error unreadable; the start is enough to spot them.
const MAX_SHOWN = 60;

/** Whether a parsed TOML value is a table (smol-toml builds them without a prototype). */
export function isTable(value: TomlValue): value is { [key: string]: TomlValue } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

function shown(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text;
}

function float(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/**
 * A TOML value's type and value for "expected X, got Y" messages, as `string "yes"`,
 * `integer 5`, `float 1.5`. With `secret`, only the type: passwords stay out of logs.
 *
 * Integers must have been parsed as bigints (`integersAsBigInt: true`) to tell them from
 * floats such as `1.0`.
 *
 * @example
 * ```ts
 * import { describeValue } from "./describe_value.ts";
 *
 * describeValue("yes"); // 'string "yes"'
 * describeValue(5n); // "integer 5"
 * describeValue("hunter2", { secret: true }); // "string"
 * ```
 */
export function describeValue(value: TomlValue, options: { secret?: boolean } = {}): string {
  const [type, text] = typeof value === "string"
    ? ["string", shown(JSON.stringify(value))]
    : typeof value === "bigint"
    ? ["integer", String(value)]
    : typeof value === "number"
    ? ["float", float(value)]
    : typeof value === "boolean"
    ? ["boolean", String(value)]
    : Array.isArray(value)
    ? ["array", undefined]
    : isTable(value)
    ? ["table", undefined]
    : ["date-time", value instanceof TomlDate ? value.toISOString() : undefined];
  return text === undefined || options.secret ? type : `${type} ${text}`;
}
