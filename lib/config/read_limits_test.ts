import assert from "node:assert/strict";
import { parseConfig } from "./load_config.ts";
import { assertConfigRejects } from "../../tests/_util/config_errors.ts";
import { DEFAULT_CLIENT_LIMITS, DEFAULT_SERVER_TIMEOUTS, parseSize } from "./read_limits.ts";

const FILE = "limits.toml";
const DEST = '[Destination]\nAddr = "127.0.0.1:6381"\n';

function rejects(text: string, key: string, problem: RegExp): void {
  assertConfigRejects(text, FILE, key, problem);
}

Deno.test("sizes are read with Redis's units", () => {
  assert.equal(parseSize("512mb"), 512 * 1024 * 1024);
  assert.equal(parseSize("64k"), 64_000);
  assert.equal(parseSize("64KB"), 65_536);
  assert.equal(parseSize("1gb"), 1024 ** 3);
  assert.equal(parseSize("1g"), 1e9);
  assert.equal(parseSize("123"), 123);
  assert.equal(parseSize(4096n), 4096);
  assert.throws(() => parseSize("12 parsecs"), /is not a size such as "512mb"/);
  assert.throws(() => parseSize("-1mb"), /is not a size/);
  assert.throws(() => parseSize(-5n), /is not a size in bytes/);
});

Deno.test("a config without limit keys leaves the defaults to the proxy", () => {
  const config = parseConfig(DEST, FILE);
  assert.equal(config.limits, undefined);
  assert.equal(config.destination.connectTimeoutMs, undefined);
  assert.equal(config.destination.commandTimeoutMs, undefined);
});

Deno.test("limit keys are read, with defaults for the ones not set", () => {
  const config = parseConfig(
    'MaxClients = 20\nProtoMaxBulkLen = "2mb"\nClientOutputBufferLimit = "1mb"\n' +
      `Timeout = 300\n${DEST}ConnectTimeout = "250ms"\nCommandTimeout = "2s"\n`,
    FILE,
  );
  assert.deepEqual(config.limits, {
    ...DEFAULT_CLIENT_LIMITS,
    maxClients: 20,
    protoMaxBulkLen: 2 * 1024 * 1024,
    clientOutputBufferLimit: 1024 * 1024,
    idleTimeoutMs: 300_000,
  });
  assert.equal(config.destination.connectTimeoutMs, 250);
  assert.equal(config.destination.commandTimeoutMs, 2000);
});

Deno.test("Timeout takes seconds as redis.conf writes them, or a duration", () => {
  const timeout = (value: string) => parseConfig(`Timeout = ${value}\n${DEST}`, FILE).limits;
  assert.equal(timeout('"90"')?.idleTimeoutMs, 90_000);
  assert.equal(timeout('"1m30s"')?.idleTimeoutMs, 90_000);
  assert.equal(timeout("0")?.idleTimeoutMs, 0);
  assert.equal(timeout('"0"')?.idleTimeoutMs, 0);
  assert.equal(timeout("0")?.maxClients, 10_000);
});

Deno.test("bad limit values name the key", () => {
  rejects(`MaxClients = 0\n${DEST}`, "MaxClients", /at least 1/);
  rejects(`MaxClients = "many"\n${DEST}`, "MaxClients", /expected an integer/);
  rejects(`ProtoMaxBulkLen = "1kb"\n${DEST}`, "ProtoMaxBulkLen", /at least 1mb/);
  rejects(`ProtoMaxBulkLen = true\n${DEST}`, "ProtoMaxBulkLen", /expected a size/);
  rejects(`ClientOutputBufferLimit = "lots"\n${DEST}`, "ClientOutputBufferLimit", /not a size/);
  rejects(`MaxMultibulkLength = 0\n${DEST}`, "MaxMultibulkLength", /at least 1/);
  rejects(`Timeout = "5x"\n${DEST}`, "Timeout", /unknown unit "x"/);
  rejects(`Timeout = -1\n${DEST}`, "Timeout", /must not be negative/);
  rejects(`${DEST}ConnectTimeout = "0"\n`, "Destination.ConnectTimeout", /must be positive/);
  rejects(`${DEST}CommandTimeout = "2"\n`, "Destination.CommandTimeout", /missing unit/);
  rejects(`${DEST}Timeout = "2s"\n`, "Destination.Timeout", /unknown key "Timeout"/);
});

Deno.test("config.example.toml documents the defaults the code uses", async () => {
  const url = new URL("../../config.example.toml", import.meta.url);
  const config = parseConfig(await Deno.readTextFile(url), url.pathname);
  assert.deepEqual(config.limits, DEFAULT_CLIENT_LIMITS);
  for (const server of [config.source, config.destination]) {
    assert.equal(server?.connectTimeoutMs, DEFAULT_SERVER_TIMEOUTS.connectTimeoutMs);
    assert.equal(server?.commandTimeoutMs, DEFAULT_SERVER_TIMEOUTS.commandTimeoutMs);
  }
});
