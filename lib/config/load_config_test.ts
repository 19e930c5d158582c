import assert from "node:assert/strict";
import type { Config } from "./config.ts";
import { ConfigError } from "./config_error.ts";
import { describeReadError, loadConfig, parseConfig } from "./load_config.ts";

const FILE = "test.toml";
const DESTINATION = '[Destination]\nAddr = "127.0.0.1:6381"\n';

/** Asserts that `text` is rejected with exactly this key and problem. */
function assertRejects(text: string, key: string | undefined, problem: string): void {
  assert.throws(() => parseConfig(text, FILE), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.problem, problem);
    assert.equal(error.key, key);
    assert.equal(error.file, FILE);
    assert.ok(!error.message.includes("\n"), "one line");
    return true;
  });
}

Deno.test("parseConfig fills in the defaults of each section", () => {
  const config = parseConfig(`[Source]\nAddr = "redis-source:6379"\n${DESTINATION}`, FILE);
  const expected: Config = {
    deleteOnGet: false,
    deleteOnSet: false,
    source: {
      addr: { hostname: "redis-source", port: 6379 },
      addrText: "redis-source:6379",
      db: 0,
      maxIdleConns: 50,
      idleTimeoutMs: 30_000,
    },
    destination: {
      addr: { hostname: "127.0.0.1", port: 6381 },
      addrText: "127.0.0.1:6381",
      db: 0,
      maxIdleConns: 100,
      idleTimeoutMs: 45_000,
    },
  };
  assert.deepEqual(config, expected);
});

Deno.test("parseConfig reads the Go Remiro's template and the added keys", () => {
  const text = `
DeleteOnGet = true
DeleteOnSet = true
AllowFlush = true
Password = "proxy-secret"
AdminToken = "admin-secret"
ShutdownTimeout = "2.5s"
ReusePort = true
[Source]
Addr = "[::1]:6379"
Password = "foobared"
Username = "app"
DB = 3
MaxIdleConns = 0
IdleTimeout = "1m30s"
[Destination]
Addr = "unix:/run/redis.sock"
Password = "other"
DB = 2147483647
MaxIdleConns = 7
IdleTimeout = "250ms"
`;
  assert.deepEqual(parseConfig(text, FILE), {
    deleteOnGet: true,
    deleteOnSet: true,
    allowFlush: true,
    password: "proxy-secret",
    adminToken: "admin-secret",
    shutdownTimeoutMs: 2500,
    reusePort: true,
    source: {
      addr: { hostname: "::1", port: 6379 },
      addrText: "[::1]:6379",
      password: "foobared",
      username: "app",
      db: 3,
      maxIdleConns: 0,
      idleTimeoutMs: 90_000,
    },
    destination: {
      addr: { path: "/run/redis.sock" },
      addrText: "unix:/run/redis.sock",
      password: "other",
      db: 2147483647,
      maxIdleConns: 7,
      idleTimeoutMs: 250,
    },
  });
});

Deno.test("parseConfig without [Source] describes a plain proxy", () => {
  const config = parseConfig(DESTINATION, FILE);
  assert.equal(config.source, undefined);
  assert.ok(!("source" in config));
  assert.equal(config.destination.addrText, "127.0.0.1:6381");
});

Deno.test("parseConfig treats empty passwords and usernames as unset, as Go did", () => {
  const config = parseConfig(
    `Password = ""\n[Destination]\nAddr = "h:1"\nPassword = ""\nUsername = ""\n`,
    FILE,
  );
  assert.ok(!("password" in config));
  assert.ok(!("password" in config.destination));
  assert.ok(!("username" in config.destination));
});

Deno.test("parseConfig reads IdleTimeout 0 as never closing, as the Go Remiro did", () => {
  const config = parseConfig(`[Destination]\nAddr = "h:1"\nIdleTimeout = "0"\n`, FILE);
  assert.equal(config.destination.idleTimeoutMs, Infinity);
});

Deno.test("parseConfig accepts inline tables and a byte order mark", () => {
  const config = parseConfig('\uFEFFDestination = { Addr = "h:1", DB = 1 }\n', FILE);
  assert.equal(config.destination.db, 1);
});

Deno.test("parseConfig rejects unknown top-level keys with a suggestion", () => {
  assertRejects(
    `DeleteOnGett = true\n${DESTINATION}`,
    "DeleteOnGett",
    'unknown key "DeleteOnGett" (did you mean "DeleteOnGet"?)',
  );
  assertRejects(
    `deleteonset = true\n${DESTINATION}`,
    "deleteonset",
    'unknown key "deleteonset" (did you mean "DeleteOnSet"?)',
  );
  assertRejects(`Verbose = true\n${DESTINATION}`, "Verbose", 'unknown key "Verbose"');
  assertRejects(`"odd key" = 1\n${DESTINATION}`, '"odd key"', 'unknown key "odd key"');
  assertRejects(`__proto__ = 1\n${DESTINATION}`, "__proto__", 'unknown key "__proto__"');
});

Deno.test("parseConfig rejects unknown keys in a section with a suggestion", () => {
  assertRejects(
    `[Source]\nAddr = "h:1"\nAdr = "h:2"\n${DESTINATION}`,
    "Source.Adr",
    'unknown key "Adr" (did you mean "Addr"?)',
  );
  assertRejects(
    `${DESTINATION}maxidleconns = 1\n`,
    "Destination.maxidleconns",
    'unknown key "maxidleconns" (did you mean "MaxIdleConns"?)',
  );
  assertRejects(`${DESTINATION}Timeout = "1s"\n`, "Destination.Timeout", 'unknown key "Timeout"');
  assertRejects(`${DESTINATION}[Destination.Pool]\n`, "Destination.Pool", 'unknown key "Pool"');
});

Deno.test("parseConfig explains top-level keys written after a section", () => {
  assertRejects(
    `${DESTINATION}DeleteOnGet = true\n`,
    "Destination.DeleteOnGet",
    'unknown key "DeleteOnGet" (top-level keys must come before the first [section])',
  );
  assertRejects(
    `${DESTINATION}DeleteOnGett = true\n`,
    "Destination.DeleteOnGett",
    'unknown key "DeleteOnGett" (did you mean top-level "DeleteOnGet"? ' +
      "Top-level keys must come before the first [section])",
  );
});

Deno.test("parseConfig explains server keys written at the top level", () => {
  assertRejects(
    `Addr = "h:1"\n${DESTINATION}`,
    "Addr",
    'unknown key "Addr" ("Addr" belongs in [Source] or [Destination])',
  );
  assertRejects(
    `MaxIdleConn = 1\n${DESTINATION}`,
    "MaxIdleConn",
    'unknown key "MaxIdleConn" (did you mean "MaxIdleConns"? "MaxIdleConns" belongs in ' +
      "[Source] or [Destination])",
  );
});

Deno.test("parseConfig rejects values of the wrong type", () => {
  const cases: [string, string, string][] = [
    [`DeleteOnGet = "yes"\n${DESTINATION}`, "DeleteOnGet", 'expected a boolean, got string "yes"'],
    [`DeleteOnSet = 1\n${DESTINATION}`, "DeleteOnSet", "expected a boolean, got integer 1"],
    [`AllowFlush = "yes"\n${DESTINATION}`, "AllowFlush", 'expected a boolean, got string "yes"'],
    [`Password = 1234\n${DESTINATION}`, "Password", "expected a string, got integer"],
    [
      `Source = "h:1"\n${DESTINATION}`,
      "Source",
      'expected a table ([Source] section), got string "h:1"',
    ],
    [
      `[[Source]]\nAddr = "h:1"\n${DESTINATION}`,
      "Source",
      "expected a table ([Source] section), got array",
    ],
    [
      "Destination = true\n",
      "Destination",
      "expected a table ([Destination] section), got boolean true",
    ],
    [
      "[Destination]\nAddr = 6379\n",
      "Destination.Addr",
      'expected an address string such as "127.0.0.1:6379", got integer 6379',
    ],
    [`${DESTINATION}Password = ["x"]\n`, "Destination.Password", "expected a string, got array"],
    [`${DESTINATION}Username = 7\n`, "Destination.Username", "expected a string, got integer 7"],
    [`${DESTINATION}DB = "1"\n`, "Destination.DB", 'expected an integer, got string "1"'],
    [`${DESTINATION}DB = 1.0\n`, "Destination.DB", "expected an integer, got float 1.0"],
    [
      `${DESTINATION}MaxIdleConns = 2.5\n`,
      "Destination.MaxIdleConns",
      "expected an integer, got float 2.5",
    ],
    [
      `${DESTINATION}IdleTimeout = 30\n`,
      "Destination.IdleTimeout",
      'expected a duration string such as "30s", got integer 30',
    ],
  ];
  for (const [text, key, problem] of cases) assertRejects(text, key, problem);
});

Deno.test("parseConfig reports TOML syntax errors with line and column", () => {
  assert.throws(() => parseConfig("DeleteOnGet = true\n[Destination\n", FILE), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.key, undefined);
    assert.match(error.problem, /^invalid TOML at line 2, column \d+: \S/);
    assert.ok(!error.problem.includes("Invalid TOML document"), error.problem);
    assert.ok(!error.message.includes("\n"));
    assert.match(error.message, /^Cannot load config test\.toml: invalid TOML at line 2/);
    return true;
  });
  assert.throws(
    () => parseConfig(`${DESTINATION}Addr = "h:2"\n`, FILE),
    { name: "ConfigError", message: /invalid TOML at line 3, column \d+/ },
  );
});

Deno.test("parseConfig requires [Destination]", () => {
  assertRejects("", "[Destination]", "section is required");
  assertRejects(
    'DeleteOnGet = true\n[Source]\nAddr = "h:1"\n',
    "[Destination]",
    "section is required",
  );
  assert.throws(() => parseConfig("", "c.toml"), {
    message: "Cannot load config c.toml: [Destination]: section is required",
  });
});

Deno.test("parseConfig requires Addr in a section", () => {
  assertRejects(`[Source]\nDB = 1\n${DESTINATION}`, "Source.Addr", "required");
  assertRejects("[Destination]\n", "Destination.Addr", "required");
});

Deno.test("parseConfig rejects bad addresses", () => {
  assertRejects(
    '[Destination]\nAddr = "redis"\n',
    "Destination.Addr",
    'missing port in address "redis"',
  );
  assertRejects(
    `[Source]\nAddr = "redis:70000"\n${DESTINATION}`,
    "Source.Addr",
    'port 70000 out of range 1-65535 in address "redis:70000"',
  );
  assertRejects('[Destination]\nAddr = ""\n', "Destination.Addr", "empty address");
});

Deno.test("parseConfig rejects bad durations with Go's message", () => {
  assertRejects(
    `${DESTINATION}IdleTimeout = "30x"\n`,
    "Destination.IdleTimeout",
    'time: unknown unit "x" in duration "30x"',
  );
  assertRejects(
    `${DESTINATION}IdleTimeout = "30"\n`,
    "Destination.IdleTimeout",
    'time: missing unit in duration "30"',
  );
  assert.throws(() => parseConfig(`${DESTINATION}IdleTimeout = "30x"\n`, FILE), {
    message: `Cannot load config ${FILE}: Destination.IdleTimeout: ` +
      'time: unknown unit "x" in duration "30x"',
  });
});

Deno.test("parseConfig rejects negative and too large numbers", () => {
  assertRejects(
    `${DESTINATION}IdleTimeout = "-1s"\n`,
    "Destination.IdleTimeout",
    'must not be negative, got "-1s"',
  );
  assertRejects(`${DESTINATION}DB = -1\n`, "Destination.DB", "must not be negative, got -1");
  assertRejects(
    `${DESTINATION}MaxIdleConns = -5\n`,
    "Destination.MaxIdleConns",
    "must not be negative, got -5",
  );
  assertRejects(
    `${DESTINATION}DB = 2147483648\n`,
    "Destination.DB",
    "must be at most 2147483647, got 2147483648",
  );
  assertRejects(
    `${DESTINATION}MaxIdleConns = 9223372036854775807\n`,
    "Destination.MaxIdleConns",
    "must be at most 2147483647, got 9223372036854775807",
  );
});

Deno.test("parseConfig rejects Username without Password", () => {
  assertRejects(
    `[Source]\nAddr = "h:1"\nUsername = "app"\n${DESTINATION}`,
    "Source.Username",
    "requires Source.Password (ACL users log in with a username and a password)",
  );
});

Deno.test("config.example.toml is a valid config for local servers", async () => {
  const url = new URL("../../config.example.toml", import.meta.url);
  const config = parseConfig(await Deno.readTextFile(url), url.pathname);
  assert.equal(config.deleteOnGet, false);
  assert.equal(config.deleteOnSet, false);
  assert.equal(config.password, undefined);
  assert.deepEqual(config.source?.addr, { hostname: "127.0.0.1", port: 6380 });
  assert.deepEqual(config.destination.addr, { hostname: "127.0.0.1", port: 6381 });
  assert.equal(config.source?.idleTimeoutMs, 30_000);
  assert.equal(config.destination.idleTimeoutMs, 45_000);
  assert.equal(config.source?.maxIdleConns, 50);
  assert.equal(config.destination.maxIdleConns, 100);
});

Deno.test("loadConfig reads and validates a file", async () => {
  const path = new URL("../../config.example.toml", import.meta.url).pathname;
  const config = await loadConfig(path);
  assert.equal(config.destination.addrText, "127.0.0.1:6381");
});

Deno.test("loadConfig reports a missing file", async () => {
  await assert.rejects(loadConfig("/nonexistent/remiro.toml"), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.file, "/nonexistent/remiro.toml");
    assert.equal(error.key, undefined);
    assert.equal(error.problem, "file not found");
    assert.equal(error.message, "Cannot load config /nonexistent/remiro.toml: file not found");
    assert.ok(error.cause instanceof Deno.errors.NotFound);
    return true;
  });
});

Deno.test("loadConfig reports a directory", async () => {
  const dir = new URL(".", import.meta.url).pathname;
  await assert.rejects(loadConfig(dir), {
    name: "ConfigError",
    problem: "is a directory, not a file",
  });
});

Deno.test("describeReadError explains permission problems", () => {
  assert.equal(
    describeReadError(new Deno.errors.PermissionDenied("Permission denied (os error 13)")),
    "permission denied (the file is not readable by this user)",
  );
  assert.equal(
    describeReadError(new Deno.errors.NotCapable("Requires read access")),
    "read access not granted to Deno (run it with --allow-read)",
  );
  assert.equal(describeReadError(new Error("disk on fire")), "cannot read the file: disk on fire");
});

Deno.test("parseConfig refuses a ShutdownTimeout that is not a duration, and hides AdminToken", () => {
  assert.throws(
    () => parseConfig(`ShutdownTimeout = "soon"\n${DESTINATION}`, FILE),
    (error: unknown) => error instanceof ConfigError && error.key === "ShutdownTimeout",
  );
  assert.throws(
    () => parseConfig(`AdminToken = 12345\n${DESTINATION}`, FILE),
    (error: unknown) =>
      error instanceof ConfigError && error.key === "AdminToken" &&
      /^expected a string/.test(error.problem) && !error.message.includes("12345"),
  );
});
