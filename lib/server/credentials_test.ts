import assert from "node:assert/strict";
import { AclUser, UserDirectory } from "../acl/mod.ts";
import { WRONGPASS } from "../resp/mod.ts";
import { AUTH_RATE_LIMITED, type AuthFailure, Credentials } from "./credentials.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("Credentials accepts the password alone or with the default user", () => {
  const credentials = Credentials.forPassword("s3cret");
  const ok = (user: AclUser | Uint8Array) => user instanceof AclUser && user.name === "default";
  assert.ok(ok(credentials.login("h", undefined, bytes("s3cret"))));
  assert.ok(ok(credentials.login("h", bytes("default"), bytes("s3cret"))));
  assert.equal(credentials.login("h", undefined, bytes("s3cre")), WRONGPASS);
  assert.equal(credentials.login("h", bytes("admin"), bytes("s3cret")), WRONGPASS);
  assert.equal(credentials.login("h", undefined, bytes("")), WRONGPASS);
});

Deno.test("Credentials refuses an address after too many failures, and only that address", () => {
  let now = 0;
  const failures: AuthFailure[] = [];
  const credentials = Credentials.forPassword("pw", {
    limits: { limit: 3, windowMs: 1000 },
    now: () => now,
    onFailure: (reason) => failures.push(reason),
  });
  for (let i = 0; i < 3; i++) credentials.login("10.0.0.1", undefined, bytes("guess"));
  // Even the right password is not checked while the address is refused.
  assert.equal(credentials.login("10.0.0.1", undefined, bytes("pw")), AUTH_RATE_LIMITED);
  assert.ok(credentials.login("10.0.0.2", undefined, bytes("pw")) instanceof AclUser);
  assert.deepEqual(failures, ["wrongpass", "wrongpass", "wrongpass", "rate_limited"]);
  now = 1001;
  assert.ok(credentials.login("10.0.0.1", undefined, bytes("pw")) instanceof AclUser);
});

Deno.test("Credentials.update puts new users in service at once", () => {
  const credentials = Credentials.forPassword("old");
  credentials.update(
    new UserDirectory("new", [{
      name: "app",
      password: "app-pw",
      nopass: false,
      enabled: true,
      commands: ["+@read"],
      keys: ["*"],
    }]),
  );
  assert.equal(credentials.login("h", undefined, bytes("old")), WRONGPASS);
  assert.ok(credentials.login("h", undefined, bytes("new")) instanceof AclUser);
  const app = credentials.login("h", bytes("app"), bytes("app-pw"));
  assert.ok(app instanceof AclUser && app.name === "app");
});
