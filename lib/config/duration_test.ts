import assert from "node:assert/strict";
import { parseDuration } from "./duration.ts";

/** Milliseconds as computed from whole nanoseconds, to compare fractional results exactly. */
function ms(ns: bigint): number {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  const value = Number(abs / 1_000_000n) + Number(abs % 1_000_000n) / 1e6;
  return negative ? -value : value;
}

const SECOND = 1_000_000_000n;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;
const MAX = (1n << 63n) - 1n;

Deno.test("parseDuration reads every unit of Go's time.ParseDuration", () => {
  const cases: [string, bigint][] = [
    ["10ns", 10n],
    ["11us", 11_000n],
    ["12\u00b5s", 12_000n],
    ["12\u03bcs", 12_000n],
    ["13ms", 13_000_000n],
    ["14s", 14n * SECOND],
    ["15m", 15n * MINUTE],
    ["16h", 16n * HOUR],
  ];
  for (const [text, ns] of cases) assert.equal(parseDuration(text), ms(ns), text);
});

Deno.test("parseDuration returns fractional milliseconds", () => {
  assert.equal(parseDuration("1us"), 0.001);
  assert.equal(parseDuration("300ms"), 300);
  assert.equal(parseDuration("1.5ms"), 1.5);
  assert.equal(parseDuration("30s"), 30_000);
});

Deno.test("parseDuration accepts the valid inputs of Go's own tests", () => {
  const cases: [string, bigint][] = [
    ["0", 0n],
    ["-0", 0n],
    ["+0", 0n],
    ["0s", 0n],
    ["5s", 5n * SECOND],
    ["-5s", -5n * SECOND],
    ["+5s", 5n * SECOND],
    ["5.0s", 5n * SECOND],
    ["5.6s", 5n * SECOND + 600_000_000n],
    ["5.s", 5n * SECOND],
    [".5s", SECOND / 2n],
    ["1.004s", 1_004_000_000n],
    ["100.00100s", 100n * SECOND + 1_000_000n],
    ["1.5h", 90n * MINUTE],
    ["2h45m", 2n * HOUR + 45n * MINUTE],
    ["10.5s4m", 4n * MINUTE + 10n * SECOND + SECOND / 2n],
    ["-2m3.4s", -(2n * MINUTE + 3n * SECOND + 400_000_000n)],
    ["1h2m3s4ms5us6ns", HOUR + 2n * MINUTE + 3n * SECOND + 4_005_006n],
    ["39h9m14.425s", 39n * HOUR + 9n * MINUTE + 14_425_000_000n],
    ["0.3333333333333333333h", 20n * MINUTE],
    ["9007199254740993ns", (1n << 53n) + 1n],
    ["9223372036854775807ns", MAX],
    ["9223372036854775.807us", MAX],
    ["9223372036s854ms775us807ns", MAX],
    ["-9223372036854775808ns", -MAX - 1n],
    ["-2562047h47m16.854775808s", -MAX - 1n],
    ["-9223372036s854ms775us808ns", -MAX - 1n],
    ["0.100000000000000000000h", 6n * MINUTE],
    ["0.830103483285477580700h", 49n * MINUTE + 48n * SECOND + 372_539_827n],
  ];
  for (const [text, ns] of cases) assert.equal(parseDuration(text), ms(ns), text);
});

Deno.test("parseDuration never returns -0", () => {
  assert.ok(Object.is(parseDuration("-0"), 0));
  assert.ok(Object.is(parseDuration("-0s"), 0));
});

Deno.test("parseDuration rejects what Go rejects, with Go's messages", () => {
  const cases: [string, string][] = [
    ["", 'time: invalid duration ""'],
    ["10", 'time: missing unit in duration "10"'],
    ["3", 'time: missing unit in duration "3"'],
    ["-", 'time: invalid duration "-"'],
    ["s", 'time: invalid duration "s"'],
    [".", 'time: invalid duration "."'],
    ["-.", 'time: invalid duration "-."'],
    [".s", 'time: invalid duration ".s"'],
    ["+.s", 'time: invalid duration "+.s"'],
    ["1d", 'time: unknown unit "d" in duration "1d"'],
    ["30x", 'time: unknown unit "x" in duration "30x"'],
    ["10x", 'time: unknown unit "x" in duration "10x"'],
    ["1S", 'time: unknown unit "S" in duration "1S"'],
    ["1 s", 'time: unknown unit " s" in duration "1 s"'],
    [" 1s", 'time: invalid duration " 1s"'],
    ["1s-2s", 'time: unknown unit "s-" in duration "1s-2s"'],
    ["--1s", 'time: invalid duration "--1s"'],
    ["9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'],
    ["9223372036854775.808us", 'time: invalid duration "9223372036854775.808us"'],
    ["9223372036s854ms775us808ns", 'time: invalid duration "9223372036s854ms775us808ns"'],
    ["-9223372036854775809ns", 'time: invalid duration "-9223372036854775809ns"'],
    ["99999999999999999999h", 'time: invalid duration "99999999999999999999h"'],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseDuration(text), { name: "RangeError", message }, text);
  }
});

Deno.test("parseDuration quotes unprintable and non-ASCII text as Go does", () => {
  assert.throws(() => parseDuration("1\u00e9"), {
    message: 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"',
  });
  assert.throws(() => parseDuration('1"\\'), {
    message: 'time: unknown unit "\\"\\\\" in duration "1\\"\\\\"',
  });
  assert.throws(() => parseDuration("\t1s"), { message: 'time: invalid duration "\\x091s"' });
});
