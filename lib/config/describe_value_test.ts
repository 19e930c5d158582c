import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { describeValue, isTable } from "./describe_value.ts";

const doc = parse(
  [
    's = "yes"',
    "i = 5",
    "f = 1.5",
    "g = 1.0",
    "n = nan",
    "inf = -inf",
    "b = true",
    "a = [1, 2]",
    "t = { x = 1 }",
    "d = 1979-05-27T07:32:00Z",
    `long = "${"x".repeat(100)}"`,
  ].join("\n"),
  { integersAsBigInt: true },
);

Deno.test("describeValue names the TOML type and shows the value", () => {
  assert.equal(describeValue(doc.s), 'string "yes"');
  assert.equal(describeValue(doc.i), "integer 5");
  assert.equal(describeValue(doc.f), "float 1.5");
  assert.equal(describeValue(doc.g), "float 1.0");
  assert.equal(describeValue(doc.n), "float nan");
  assert.equal(describeValue(doc.inf), "float -inf");
  assert.equal(describeValue(doc.b), "boolean true");
  assert.equal(describeValue(doc.a), "array");
  assert.equal(describeValue(doc.t), "table");
  assert.equal(describeValue(doc.d), "date-time 1979-05-27T07:32:00.000Z");
});

Deno.test("describeValue shortens long strings", () => {
  assert.equal(describeValue(doc.long), `string "${"x".repeat(59)}...`);
});

Deno.test("describeValue hides secret values", () => {
  assert.equal(describeValue(doc.s, { secret: true }), "string");
  assert.equal(describeValue(doc.i, { secret: true }), "integer");
});

Deno.test("isTable is true only for tables", () => {
  assert.equal(isTable(doc.t), true);
  assert.equal(isTable(doc), true);
  assert.equal(isTable(doc.a), false);
  assert.equal(isTable(doc.d), false);
  assert.equal(isTable(doc.s), false);
});
