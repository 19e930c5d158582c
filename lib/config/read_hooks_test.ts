import assert from "node:assert/strict";
import { KeyProblem } from "./config_reader.ts";
import { readHooks } from "./read_hooks.ts";

Deno.test("readHooks: a path alone, relative to the config file", () => {
  const hooks = readHooks({ Hooks: "hooks/rename.ts" }, "/etc/remiro/remiro.toml");
  assert.equal(hooks?.module, "/etc/remiro/hooks/rename.ts");
  assert.deepEqual(hooks?.allowNet, []);
  assert.equal(hooks?.timeoutMs, 1000);
  assert.equal(readHooks({}, "/x.toml"), undefined);
});

Deno.test("readHooks: a [Hooks] table with permissions, timeout and sinks", () => {
  const hooks = readHooks({
    Hooks: {
      Module: "/opt/h.ts",
      AllowNet: ["api.example.com:443"],
      AllowEnv: true,
      Timeout: "250ms",
      OnChange: ["stdout"],
    },
  }, "/etc/remiro.toml");
  assert.deepEqual(hooks, {
    module: "/opt/h.ts",
    allowNet: ["api.example.com:443"],
    allowRead: [],
    allowEnv: true,
    timeoutMs: 250,
    onChange: ["stdout"],
  });
});

Deno.test("readHooks: mistakes name the key", () => {
  assert.throws(
    () => readHooks({ Hooks: { Modul: "h.ts" } }, "/c.toml"),
    (error) =>
      error instanceof KeyProblem && /Hooks\.Modul/.test(error.message) &&
      /Module/.test(error.message),
  );
  assert.throws(() => readHooks({ Hooks: { AllowNet: "x" } }, "/c.toml"), KeyProblem);
  assert.throws(() => readHooks({ Hooks: 3 }, "/c.toml"), KeyProblem);
  assert.throws(() => readHooks({ Hooks: {} }, "/c.toml"), KeyProblem);
});
