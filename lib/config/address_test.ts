import assert from "node:assert/strict";
import { parseAddress } from "./address.ts";

Deno.test("parseAddress reads host:port", () => {
  assert.deepEqual(parseAddress("redis-source:6379"), { hostname: "redis-source", port: 6379 });
  assert.deepEqual(parseAddress("127.0.0.1:1"), { hostname: "127.0.0.1", port: 1 });
  assert.deepEqual(parseAddress("example.com:65535"), { hostname: "example.com", port: 65535 });
});

Deno.test("parseAddress reads bracketed IPv6 and strips the brackets", () => {
  assert.deepEqual(parseAddress("[::1]:6379"), { hostname: "::1", port: 6379 });
  assert.deepEqual(parseAddress("[fe80::1%eth0]:6380"), { hostname: "fe80::1%eth0", port: 6380 });
});

Deno.test("parseAddress reads unix socket paths", () => {
  assert.deepEqual(parseAddress("unix:/tmp/r.sock"), { path: "/tmp/r.sock" });
  assert.deepEqual(parseAddress("unix:redis.sock"), { path: "redis.sock" });
});

Deno.test("parseAddress reads an empty host as localhost, as Go's dialer does", () => {
  assert.deepEqual(parseAddress(":6379"), { hostname: "localhost", port: 6379 });
});

Deno.test("parseAddress rejects bad addresses with the reason", () => {
  const cases: [string, string][] = [
    ["", "empty address"],
    ["redis", 'missing port in address "redis"'],
    ["redis:", 'missing port in address "redis:"'],
    ["redis:70000", 'port 70000 out of range 1-65535 in address "redis:70000"'],
    ["redis:0", 'port 0 out of range 1-65535 in address "redis:0"'],
    ["redis:port", 'port "port" is not a number in address "redis:port"'],
    ["redis:-1", 'port "-1" is not a number in address "redis:-1"'],
    ["redis:6379.0", 'port "6379.0" is not a number in address "redis:6379.0"'],
    ["::1:6379", 'too many colons in address "::1:6379" (write IPv6 addresses as "[::1]:6379")'],
    ["[::1]", 'missing port in address "[::1]"'],
    ["[::1]:", 'missing port in address "[::1]:"'],
    ["[::1:6379", 'missing "]" in address "[::1:6379"'],
    ["[::1]6379", 'unexpected text after "]" in address "[::1]6379"'],
    ["[]:6379", 'missing host in address "[]:6379"'],
    ["a]b:6379", 'unexpected "[" or "]" in address "a]b:6379"'],
    ["redis :6379", 'unexpected whitespace in address "redis :6379"'],
    ["unix:", 'missing socket path in address "unix:"'],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseAddress(text), { name: "RangeError", message }, text);
  }
});

Deno.test("parseAddress does not turn a huge port into exponent notation", () => {
  assert.throws(() => parseAddress("h:99999999999999999999999"), {
    message:
      'port 99999999999999999999999 out of range 1-65535 in address "h:99999999999999999999999"',
  });
});
