import assert from "node:assert/strict";
import { lookupCommand } from "../commands/mod.ts";
import { AclUser, NOPERM_KEY } from "./acl_user.ts";
import { UserDirectory } from "./user_directory.ts";

const enc = new TextEncoder();
const bytes = (text: string) => enc.encode(text);
const text = (frame: Uint8Array | undefined) => frame && new TextDecoder().decode(frame);

function check(user: AclUser, ...words: string[]): string | undefined {
  const args = words.map(bytes);
  return text(user.check(lookupCommand(args), words[0].toLowerCase(), args));
}

const reader = new AclUser({
  name: "reader",
  password: "pw",
  nopass: false,
  enabled: true,
  commands: ["+@read", "-@dangerous"],
  keys: ["app:*"],
});

Deno.test("AclUser refuses commands outside its rules with Redis 7.0's NOPERM", () => {
  assert.equal(check(reader, "GET", "app:1"), undefined);
  assert.equal(
    check(reader, "SET", "app:1", "v"),
    "-NOPERM this user has no permissions to run the 'set' command\r\n",
  );
  assert.equal(
    check(reader, "CONFIG", "GET", "port"),
    "-NOPERM this user has no permissions to run the 'config|get' command\r\n",
  );
  assert.equal(
    check(reader, "MODULECMD", "x"),
    "-NOPERM this user has no permissions to run the 'modulecmd' command\r\n",
  );
  // AUTH, HELLO, QUIT and RESET are open to everyone.
  assert.equal(check(reader, "AUTH", "x", "y"), undefined);
  assert.equal(check(reader, "RESET"), undefined);
});

Deno.test("AclUser refuses keys outside its patterns, checking every key", () => {
  assert.equal(check(reader, "GET", "other"), text(NOPERM_KEY));
  assert.equal(check(reader, "MGET", "app:1", "app:2"), undefined);
  assert.equal(check(reader, "MGET", "app:1", "other"), text(NOPERM_KEY));
  assert.equal(check(reader, "EXISTS", "app:1", "app:2", "zzz"), text(NOPERM_KEY));
  // Keyless commands need no key permission.
  assert.equal(check(reader, "DBSIZE"), undefined);
});

Deno.test("AclUser passwords: constant-time digest, nopass takes any", () => {
  assert.ok(reader.passwordMatches(bytes("pw")));
  assert.ok(!reader.passwordMatches(bytes("pw ")));
  const open = new AclUser({ name: "o", nopass: true, enabled: true, commands: [], keys: [] });
  assert.ok(open.passwordMatches(bytes("whatever")));
  assert.ok(!reader.unrestricted);
});

Deno.test("UserDirectory: the default user takes Password, or nopass without one", () => {
  const open = new UserDirectory(undefined);
  assert.equal(open.initialUser?.name, "default");
  assert.ok(open.defaultUser.unrestricted && open.defaultUser.nopass);

  const guarded = new UserDirectory("secret", [{
    name: "reader",
    password: "pw",
    nopass: false,
    enabled: true,
    commands: ["+@read"],
    keys: ["*"],
  }, { name: "off", password: "pw", nopass: false, enabled: false, commands: [], keys: [] }]);
  assert.equal(guarded.initialUser, undefined);
  assert.equal(guarded.authenticate(undefined, bytes("secret"))?.name, "default");
  assert.equal(guarded.authenticate(bytes("default"), bytes("secret"))?.name, "default");
  assert.equal(guarded.authenticate(bytes("reader"), bytes("pw"))?.name, "reader");
  assert.equal(guarded.authenticate(bytes("reader"), bytes("secret")), undefined);
  assert.equal(guarded.authenticate(bytes("nobody"), bytes("pw")), undefined);
  assert.equal(guarded.authenticate(bytes("off"), bytes("pw")), undefined, "disabled");
});

Deno.test("UserDirectory: a [[Users]] entry named default replaces the default user", () => {
  const users = new UserDirectory(undefined, [{
    name: "default",
    nopass: true,
    enabled: true,
    commands: ["+@read"],
    keys: ["*"],
  }]);
  assert.equal(users.initialUser?.name, "default");
  assert.ok(!users.defaultUser.unrestricted);
  const locked = new UserDirectory(undefined, [{
    name: "default",
    nopass: true,
    enabled: false,
    commands: [],
    keys: [],
  }]);
  assert.equal(locked.initialUser, undefined, "a disabled default user: clients must AUTH");
});
