/** Nanoseconds per unit, as in Go's `time` package. */
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ["ns", 1n],
  ["us", 1_000n],
  ["\u00b5s", 1_000n], // U+00B5 micro sign
  ["\u03bcs", 1_000n], // U+03BC Greek small letter mu
  ["ms", 1_000_000n],
  ["s", 1_000_000_000n],
  ["m", 60_000_000_000n],
  ["h", 3_600_000_000_000n],
]);

// Go durations are int64 nanoseconds; the checks below overflow exactly where Go's do.
const LIMIT = 1n << 63n;
const NS_PER_MS = 1_000_000n;

/** Go's `time.quote`: printable ASCII as is, everything else as `\xNN` bytes. */
function quote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code >= 0x7f) {
      for (const byte of new TextEncoder().encode(char)) {
        out += `\\x${byte.toString(16).padStart(2, "0")}`;
      }
    } else {
      out += char === '"' || char === "\\" ? `\\${char}` : char;
    }
  }
  return out + '"';
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= "0" && char <= "9";
}

/**
 * Parses a duration the way Go's `time.ParseDuration` does and returns it in milliseconds.
 *
 * A duration is a signed sequence of decimal numbers, each with an optional fraction and a
 * unit: `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`. `"0"` needs no unit. Negative durations
 * are valid here, as in Go; callers that need a timeout reject them. The result may be
 * fractional (`"1us"` is `0.001`).
 *
 * @throws {RangeError} with Go's message, such as `time: missing unit in duration "10"`.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 *
 * parseDuration("30s"); // 30000
 * parseDuration("2h45m"); // 9900000
 * parseDuration("1.5ms"); // 1.5
 * ```
 */
export function parseDuration(text: string): number {
  const invalid = () => new RangeError(`time: invalid duration ${quote(text)}`);
  let rest = text;
  let negative = false;
  if (rest[0] === "-" || rest[0] === "+") {
    negative = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();

  let total = 0n;
  while (rest !== "") {
    if (!(rest[0] === "." || isDigit(rest[0]))) throw invalid();

    let i = 0;
    let whole = 0n;
    while (isDigit(rest[i])) {
      whole = whole * 10n + BigInt(rest.charCodeAt(i) - 48);
      if (whole > LIMIT) throw invalid();
      i++;
    }
    const hasWhole = i > 0;
    rest = rest.slice(i);

    // Like Go, the fraction keeps at most the digits that fit in 63 bits and ignores the rest.
    let fraction = 0n;
    let scale = 1;
    let hasFraction = false;
    if (rest[0] === ".") {
      rest = rest.slice(1);
      let overflow = false;
      i = 0;
      while (isDigit(rest[i])) {
        if (!overflow && fraction > (LIMIT - 1n) / 10n) overflow = true;
        const next = fraction * 10n + BigInt(rest.charCodeAt(i) - 48);
        if (overflow || next > LIMIT) {
          overflow = true;
        } else {
          fraction = next;
          scale *= 10;
        }
        i++;
      }
      hasFraction = i > 0;
      rest = rest.slice(i);
    }
    if (!hasWhole && !hasFraction) throw invalid();

    i = 0;
    while (i < rest.length && rest[i] !== "." && !isDigit(rest[i])) i++;
    if (i === 0) throw new RangeError(`time: missing unit in duration ${quote(text)}`);
    const unitText = rest.slice(0, i);
    rest = rest.slice(i);
    const unit = UNITS.get(unitText);
    if (unit === undefined) {
      throw new RangeError(`time: unknown unit ${quote(unitText)} in duration ${quote(text)}`);
    }

    if (whole > LIMIT / unit) throw invalid();
    let value = whole * unit;
    if (fraction > 0n) {
      // Go computes the fraction in float64 too; the product is at most an hour in nanoseconds.
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
      if (value > LIMIT) throw invalid();
    }
    total += value;
    if (total > LIMIT) throw invalid();
  }
  if (!negative && total > LIMIT - 1n) throw invalid();
  if (total === 0n) return 0; // no -0 for "-0s"
  // Whole and sub-millisecond parts apart, so large durations keep their nanoseconds.
  const ms = Number(total / NS_PER_MS) + Number(total % NS_PER_MS) / 1e6;
  return negative ? -ms : ms;
}
