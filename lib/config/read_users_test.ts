import assert from "node:assert/strict";
import { ConfigError } from "./config_error.ts";
import { parseConfig } from "./load_config.ts";
import { assertConfigRejects } from "../../tests/_util/config_errors.ts";

const FILE = "users.toml";
const DEST = `[Destination]\nAddr = "127.0.0.1:6379"\n`;

function rejects(text: string, key: string, problem: RegExp): void {
  assertConfigRejects(text + DEST, FILE, key, problem);
}

Deno.test("[[Users]] entries are read with their defaults", () => {
  const config = parseConfig(
    `Password = "top"\n` +
      `[[Users]]\nName = "reader"\nPassword = "r-pw"\nCommands = ["+@read", "-@dangerous"]\n` +
      `Keys = ["app:*"]\n` +
      `[[Users]]\nName = "ops"\nNoPass = true\nEnabled = false\n` + DEST,
    FILE,
  );
  assert.equal(config.password, "top");
  assert.deepEqual(config.users, [
    {
      name: "reader",
      password: "r-pw",
      nopass: false,
      commands: ["+@read", "-@dangerous"],
      keys: ["app:*"],
      enabled: true,
    },
    { name: "ops", nopass: true, commands: [], keys: [], enabled: false },
  ]);
  assert.equal(config.authLimits, undefined);
});

Deno.test("AuthFailureLimit and AuthFailureWindow are read", () => {
  const config = parseConfig(`AuthFailureLimit = 3\nAuthFailureWindow = "5s"\n` + DEST, FILE);
  assert.deepEqual(config.authLimits, { limit: 3, windowMs: 5000 });
  assert.deepEqual(parseConfig(`AuthFailureLimit = 0\n` + DEST, FILE).authLimits, {
    limit: 0,
    windowMs: 60_000,
  });
  rejects(`AuthFailureWindow = "0s"\n`, "AuthFailureWindow", /must be positive/);
});

Deno.test("[[Users]] problems are config errors naming the entry and key", () => {
  rejects(`[[Users]]\nPassword = "x"\n`, "Users[0].Name", /required/);
  rejects(
    `[[Users]]\nName = "a"\n`,
    "Users[0].Password",
    /required for user "a" \(or NoPass = true\)/,
  );
  rejects(`[[Users]]\nName = "a"\nNoPass = true\nPassword = "x"\n`, "Users[0].Password", /NoPass/);
  rejects(
    `[[Users]]\nName = "a"\nPassword = "x"\n[[Users]]\nName = "a"\nPassword = "y"\n`,
    "Users[1].Name",
    /user "a" is defined twice/,
  );
  rejects(
    `[[Users]]\nName = "a"\nPassword = "x"\nCommands = ["+@reads"]\n`,
    "Users[0].Commands",
    /Error in ACL rule '\+@reads': Unknown command or category name in ACL \(categories: admin, .*read, .*all\)/,
  );
  rejects(
    `[[Users]]\nName = "a"\nPassword = "x"\nCommands = ["+gett"]\n`,
    "Users[0].Commands",
    /'\+gett': Unknown command or category name in ACL$/,
  );
  rejects(
    `[[Users]]\nName = "a"\nPassword = "x"\nCommands = ["get"]\n`,
    "Users[0].Commands",
    /'get': Syntax error/,
  );
  rejects(
    `[[Users]]\nName = "a"\nPassword = "x"\nKeys = "app:*"\n`,
    "Users[0].Keys",
    /a list of strings/,
  );
  rejects(
    `[[Users]]\nName = "a"\nPassword = "x"\nKey = ["*"]\n`,
    "Users[0].Key",
    /did you mean "Keys"/,
  );
  rejects(`[[Users]]\nName = "a b"\nPassword = "x"\n`, "Users[0].Name", /without spaces/);
  rejects(`Users = "a"\n`, "Users", /array of tables/);
  rejects(
    `Password = "p"\n[[Users]]\nName = "default"\nPassword = "x"\n`,
    "Password",
    /entry named "default"/,
  );
});

Deno.test("a wrong-typed [[Users]] Password is not echoed", () => {
  assert.throws(
    () => parseConfig(`[[Users]]\nName = "a"\nPassword = 123456789\n` + DEST, FILE),
    (error: unknown) => error instanceof ConfigError && !error.message.includes("123456789"),
  );
});
