import assert from "node:assert/strict";
import {
  EMPTY_ARRAY,
  errUnknownCommand,
  errWrongArgs,
  NOAUTH,
  NULL_ARRAY,
  NULL_BULK,
  OK,
  ONE,
  PONG,
  QUEUED,
  WRONGPASS,
  ZERO,
} from "./replies.ts";

const latin1 = new TextDecoder("latin1");
const text = (bytes: Uint8Array) => latin1.decode(bytes);
const bytes = (value: string) => Uint8Array.from(value, (c) => c.charCodeAt(0));
const command = (...args: string[]) => args.map(bytes);

Deno.test("fixed replies are Redis's exact frames", () => {
  assert.equal(text(OK), "+OK\r\n");
  assert.equal(text(PONG), "+PONG\r\n");
  assert.equal(text(QUEUED), "+QUEUED\r\n");
  assert.equal(text(NULL_BULK), "$-1\r\n");
  assert.equal(text(NULL_ARRAY), "*-1\r\n");
  assert.equal(text(EMPTY_ARRAY), "*0\r\n");
  assert.equal(text(ZERO), ":0\r\n");
  assert.equal(text(ONE), ":1\r\n");
  assert.equal(text(NOAUTH), "-NOAUTH Authentication required.\r\n");
  assert.equal(
    text(WRONGPASS),
    "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
  );
});

Deno.test("errWrongArgs names the command in lower case", () => {
  assert.equal(text(errWrongArgs("GET")), "-ERR wrong number of arguments for 'get' command\r\n");
  assert.equal(
    text(errWrongArgs("CLIENT|SETNAME")),
    "-ERR wrong number of arguments for 'client|setname' command\r\n",
  );
});

// Expected texts were captured from redis-server 7.0.15.
Deno.test("errUnknownCommand matches Redis 7 byte for byte", () => {
  assert.equal(
    text(errUnknownCommand("NOPE", command("NOPE", "a", "b"))),
    "-ERR unknown command 'NOPE', with args beginning with: 'a' 'b' \r\n",
  );
  assert.equal(
    text(errUnknownCommand("nope", command("nope"))),
    "-ERR unknown command 'nope', with args beginning with: \r\n",
  );
  assert.equal(
    text(errUnknownCommand("xa", command("xa", "a\r\nb", "c"))),
    "-ERR unknown command 'xa', with args beginning with: 'a  b' 'c' \r\n",
  );
  assert.equal(
    text(errUnknownCommand("xa", command("xa", "a\0b", "c"))),
    "-ERR unknown command 'xa', with args beginning with: 'a' 'c' \r\n",
  );
  assert.equal(
    text(errUnknownCommand("NO\r\n+PONG", command("NO\r\n+PONG"))),
    "-ERR unknown command 'NO  +PONG', with args beginning with: \r\n",
  );
});

Deno.test("errUnknownCommand shows at most about 128 bytes like Redis", () => {
  const name = "x".repeat(200);
  assert.equal(
    text(errUnknownCommand(name, command(name, "a"))),
    `-ERR unknown command '${"x".repeat(128)}', with args beginning with: 'a' \r\n`,
  );
  assert.equal(
    text(errUnknownCommand("xa", command("xa", "y".repeat(200), "z"))),
    `-ERR unknown command 'xa', with args beginning with: '${"y".repeat(128)}' \r\n`,
  );
  const b125 = "b".repeat(125);
  assert.equal(
    text(errUnknownCommand("xa", command("xa", b125, "c", "d"))),
    `-ERR unknown command 'xa', with args beginning with: '${b125}' \r\n`,
  );
  const b124 = "b".repeat(124);
  assert.equal(
    text(errUnknownCommand("xa", command("xa", b124, "cde", "d"))),
    `-ERR unknown command 'xa', with args beginning with: '${b124}' 'c' \r\n`,
  );
  const tens = Array.from({ length: 20 }, () => "a".repeat(10));
  assert.equal(
    text(errUnknownCommand("xa", command("xa", ...tens))),
    `-ERR unknown command 'xa', with args beginning with: ${"'aaaaaaaaaa' ".repeat(10)}\r\n`,
  );
});
