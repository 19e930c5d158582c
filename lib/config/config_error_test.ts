import assert from "node:assert/strict";
import { ConfigError } from "./config_error.ts";

Deno.test("ConfigError names the file, the key and the problem", () => {
  const error = new ConfigError("config.toml", "Source.Addr", "required");
  assert.equal(error.message, "Cannot load config config.toml: Source.Addr: required");
  assert.equal(error.name, "ConfigError");
  assert.equal(error.file, "config.toml");
  assert.equal(error.key, "Source.Addr");
  assert.equal(error.problem, "required");
  assert.ok(error instanceof Error);
  assert.match(String(error), /^ConfigError: Cannot load config/);
});

Deno.test("ConfigError without a key names the file and the problem", () => {
  const error = new ConfigError("/etc/remiro.toml", undefined, "file not found");
  assert.equal(error.message, "Cannot load config /etc/remiro.toml: file not found");
  assert.equal(error.key, undefined);
});

Deno.test("ConfigError keeps its message on one line", () => {
  const error = new ConfigError("c.toml", undefined, "first\nsecond\r\n  third");
  assert.equal(error.message, "Cannot load config c.toml: first second third");
  assert.equal(error.problem, "first\nsecond\r\n  third");
});

Deno.test("ConfigError keeps its cause", () => {
  const cause = new Error("boom");
  assert.equal(new ConfigError("c.toml", undefined, "x", { cause }).cause, cause);
});
