import assert from "node:assert/strict";
import { Credentials } from "./credentials.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("Credentials accepts the password alone or with the default user", () => {
  const credentials = new Credentials("s3cret");
  assert.equal(credentials.check(undefined, bytes("s3cret")), true);
  assert.equal(credentials.check(bytes("default"), bytes("s3cret")), true);
  assert.equal(credentials.check(undefined, bytes("s3cre")), false);
  assert.equal(credentials.check(bytes("admin"), bytes("s3cret")), false);
  assert.equal(credentials.check(undefined, bytes("")), false);
});
