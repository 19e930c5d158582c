import assert from "node:assert/strict";
import { globToRegExp } from "./glob.ts";

Deno.test("globToRegExp follows Redis's KEYS patterns", () => {
  const cases: [string, string[], string[]][] = [
    ["user:*", ["user:", "user:1", "user:a:b"], ["users:1", "xuser:1"]],
    ["h?llo", ["hello", "hallo"], ["hllo", "heello"]],
    ["h[ae]llo", ["hello", "hallo"], ["hillo"]],
    ["h[^e]llo", ["hallo", "hbllo"], ["hello"]],
    ["h[a-c]llo", ["hbllo"], ["hdllo"]],
    ["a\\*b", ["a*b"], ["axb"]],
    ["a.b+(c)", ["a.b+(c)"], ["axb+(c)"]],
    ["[unclosed", ["[unclosed"], ["u"]],
  ];
  for (const [pattern, matching, other] of cases) {
    const re = globToRegExp(pattern);
    for (const key of matching) assert.ok(re.test(key), `${pattern} matches ${key}`);
    for (const key of other) assert.ok(!re.test(key), `${pattern} does not match ${key}`);
  }
});
