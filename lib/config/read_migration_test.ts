import assert from "node:assert/strict";
import { ConfigError } from "./config_error.ts";
import { parseConfig } from "./load_config.ts";
import { assertConfigRejects } from "../../tests/_util/config_errors.ts";

const FILE = "migration.toml";
const DESTINATION = '[Destination]\nAddr = "127.0.0.1:6381"\n';

/** Asserts that `text` is rejected for `key` with exactly `problem`. */
function rejects(text: string, key: string, problem: string): void {
  const exact = new RegExp(`^${problem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  assertConfigRejects(text, FILE, key, exact);
}

Deno.test("parseConfig reads [Migration] and rejects what the sweeper cannot use", () => {
  const SOURCE = '[Source]\nAddr = "127.0.0.1:6380"\n';
  const config = parseConfig(
    `${SOURCE}${DESTINATION}[Migration]\nSweep = true\nMatch = "user:*"\nRate = 500\n`,
    FILE,
  );
  assert.deepEqual(config.migration, { sweep: true, match: "user:*", rate: 500 });
  assert.deepEqual(parseConfig(`${SOURCE}${DESTINATION}[Migration]\n`, FILE).migration, {
    sweep: false,
    rate: 1000,
  });
  rejects(
    `${DESTINATION}[Migration]\nSweep = true\n`,
    "Migration.Sweep",
    "needs a [Source] to sweep",
  );
  rejects(
    `${SOURCE}${DESTINATION}[Migration]\nRate = 0\n`,
    "Migration.Rate",
    "must be at least 1 key per second",
  );
  rejects(
    `${SOURCE}${DESTINATION}[Migration]\nSwep = true\n`,
    "Migration.Swep",
    'unknown key "Swep" (did you mean "Sweep"?)',
  );
});

Deno.test("parseConfig reads [Migration] Regex and refuses an invalid one", () => {
  const config = parseConfig(
    `[Source]\nAddr = "h:1"\n[Destination]\nAddr = "h:2"\n[Migration]\nSweep = true\nRegex = "^user:[0-9]+$"\n`,
    FILE,
  );
  assert.deepEqual(config.migration?.regex, /^user:[0-9]+$/);
  assert.throws(
    () =>
      parseConfig(
        `[Source]\nAddr = "h:1"\n[Destination]\nAddr = "h:2"\n[Migration]\nRegex = "(x"\n`,
        FILE,
      ),
    (error: unknown) =>
      error instanceof ConfigError && error.key === "Migration.Regex" &&
      /Invalid regular expression/.test(error.problem),
  );
});
