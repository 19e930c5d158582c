import assert from "node:assert/strict";
import { lookupCommand } from "../commands/mod.ts";
import { aclCategories, AclRuleError, CommandRules } from "./command_rules.ts";

const spec = (...words: string[]) =>
  lookupCommand(words.map((word) => new TextEncoder().encode(word)));

function allows(rules: string[], ...words: string[]): boolean {
  return CommandRules.compile(rules).allows(spec(...words));
}

Deno.test("CommandRules applies category rules in order", () => {
  const rules = ["+@read", "-@dangerous"];
  assert.ok(allows(rules, "get", "k"));
  assert.ok(allows(rules, "hgetall", "k"));
  assert.ok(!allows(rules, "set", "k", "v"));
  // KEYS is read and dangerous: the later removal wins.
  assert.ok(!allows(rules, "keys", "*"));
  assert.ok(allows(["-@dangerous", "+@read"], "keys", "*"));
});

Deno.test("CommandRules allows a command with its subcommands, or one subcommand", () => {
  assert.ok(allows(["+config"], "config", "set", "x", "y"));
  assert.ok(allows(["+config|get"], "config", "get", "x"));
  assert.ok(!allows(["+config|get"], "config", "set", "x", "y"));
  assert.ok(!allows(["+config", "-config|set"], "config", "set", "x", "y"));
  assert.ok(allows(["+config", "-config|set"], "config", "get", "x"));
  assert.ok(!allows(["+@all", "-config"], "config", "get", "x"));
});

Deno.test("CommandRules: allcommands admits unknown commands, any removal ends that", () => {
  assert.ok(CommandRules.compile(["allcommands"]).allows(undefined));
  assert.ok(CommandRules.compile(["+@all"]).allows(undefined));
  assert.ok(!CommandRules.compile(["+@all", "-flushall"]).allows(undefined));
  assert.ok(!CommandRules.compile(["allcommands", "nocommands"]).allows(spec("get", "k")));
  assert.ok(!CommandRules.compile([]).allows(spec("get", "k")));
  assert.ok(allows(["+GET"], "get", "k"), "rules are case-insensitive");
});

Deno.test("CommandRules rejects what Redis's ACL SETUSER rejects", () => {
  const reason = (rule: string) => {
    try {
      CommandRules.compile([rule]);
    } catch (error) {
      assert.ok(error instanceof AclRuleError);
      return error.message;
    }
    assert.fail(`${rule} was accepted`);
  };
  assert.equal(
    reason("+@nosuch"),
    "Error in ACL rule '+@nosuch': Unknown command or category name in ACL",
  );
  assert.equal(
    reason("+nosuch"),
    "Error in ACL rule '+nosuch': Unknown command or category name in ACL",
  );
  assert.equal(reason("get"), "Error in ACL rule 'get': Syntax error");
  assert.equal(
    reason("+config|nosuch"),
    "Error in ACL rule '+config|nosuch': Unknown command or category name in ACL",
  );
  assert.match(reason("+select|0"), /'select' has no subcommands/);
});

Deno.test("aclCategories are the command table's", () => {
  const categories = aclCategories();
  for (const name of ["read", "write", "dangerous", "keyspace", "admin"]) {
    assert.ok(categories.has(name), name);
  }
});
