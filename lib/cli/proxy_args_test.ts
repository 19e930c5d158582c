import assert from "node:assert/strict";
import { parseProxyArgs } from "./proxy_args.ts";
import { UsageError } from "./usage_error.ts";

Deno.test("parseProxyArgs has the original defaults", () => {
  assert.deepEqual(parseProxyArgs([]), {
    host: "127.0.0.1",
    port: 6379,
    config: "config.toml",
    instruPort: 8888,
    logLevel: "info",
    logFormat: "text",
    logArguments: false,
    help: false,
  });
});

Deno.test("parseProxyArgs reads --log-arguments", () => {
  const args = parseProxyArgs(["-v", "--log-arguments"]);
  assert.equal(args.logArguments, true);
  assert.equal(args.logLevel, "debug");
});

Deno.test("parseProxyArgs reads short and long flags", () => {
  const args = parseProxyArgs(["-h", "0.0.0.0", "-p", "7000", "-c", "x.toml", "-i", "9000", "-v"]);
  assert.equal(args.host, "0.0.0.0");
  assert.equal(args.port, 7000);
  assert.equal(args.config, "x.toml");
  assert.equal(args.instruPort, 9000);
  assert.equal(args.logLevel, "debug");
  assert.equal(parseProxyArgs(["--instru-port", "1", "--help"]).help, true);
});

Deno.test("parseProxyArgs rejects bad ports and unknown flags", () => {
  assert.throws(() => parseProxyArgs(["-p", "70000"]), UsageError);
  assert.throws(() => parseProxyArgs(["-p", "abc"]), /--port: "abc" is not a port number/);
  assert.throws(() => parseProxyArgs(["--nope"]), UsageError);
});

Deno.test("parseProxyArgs reads the log level and format, and refuses others", () => {
  const args = parseProxyArgs(["--log-level", "warn", "--log-format", "json"]);
  assert.equal(args.logLevel, "warn");
  assert.equal(args.logFormat, "json");
  assert.throws(
    () => parseProxyArgs(["--log-level", "loud"]),
    /--log-level: "loud" is not one of debug, info, warn, error/,
  );
  assert.throws(() => parseProxyArgs(["--log-format", "xml"]), /--log-format: "xml"/);
});
