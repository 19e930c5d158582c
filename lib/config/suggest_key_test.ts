import assert from "node:assert/strict";
import { editDistance, suggestKey } from "./suggest_key.ts";

const KEYS = ["Addr", "Password", "Username", "DB", "MaxIdleConns", "IdleTimeout"];

Deno.test("editDistance counts insertions, deletions and substitutions", () => {
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("abc", "abc"), 0);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("Adr", "Addr"), 1);
});

Deno.test("suggestKey prefers a key that differs only by case", () => {
  assert.equal(suggestKey("addr", KEYS), "Addr");
  assert.equal(suggestKey("IDLETIMEOUT", KEYS), "IdleTimeout");
  assert.equal(suggestKey("db", KEYS), "DB");
});

Deno.test("suggestKey suggests the closest key within two edits", () => {
  assert.equal(suggestKey("DeleteOnGett", ["DeleteOnGet", "DeleteOnSet"]), "DeleteOnGet");
  assert.equal(suggestKey("Pasword", KEYS), "Password");
  assert.equal(suggestKey("MaxIdleConn", KEYS), "MaxIdleConns");
  assert.equal(suggestKey("idle_timeout", KEYS), "IdleTimeout");
  assert.equal(suggestKey("UserName", KEYS), "Username");
});

Deno.test("suggestKey suggests nothing when no key is close", () => {
  assert.equal(suggestKey("Color", KEYS), undefined);
  assert.equal(suggestKey("Timeout", KEYS), undefined);
  assert.equal(suggestKey("MaxConns", KEYS), undefined);
  // Two edits would turn any short name into "DB".
  assert.equal(suggestKey("X", KEYS), undefined);
  assert.equal(suggestKey("XY", KEYS), undefined);
});
