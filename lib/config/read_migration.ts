import type { Config } from "./config.ts";
import { isTable } from "./describe_value.ts";
import {
  KeyProblem,
  readBoolean,
  readCount,
  readOptionalString,
  refuseUnknownKeys,
  type Table,
  wrongType,
} from "./config_reader.ts";

const MIGRATION_KEYS = ["Sweep", "Match", "Regex", "Rate"];

/** `[Migration]`: the sweeper that moves keys nobody reads. */
export function readMigration(doc: Table): Config["migration"] {
  const value = doc.Migration;
  if (value === undefined) return undefined;
  if (!isTable(value)) throw wrongType("Migration", "a table ([Migration])", value);
  const table = value as Table;
  refuseUnknownKeys(table, "Migration", MIGRATION_KEYS);
  const rate = readCount(table, "Migration.Rate", "Rate", 1000);
  if (rate === 0) throw new KeyProblem("Migration.Rate", "must be at least 1 key per second");
  const migration: NonNullable<Config["migration"]> = {
    sweep: readBoolean(table, "Sweep"),
    rate,
  };
  const match = readOptionalString(table, "Migration.Match", "Match");
  if (match !== undefined) migration.match = match;
  const regex = readOptionalString(table, "Migration.Regex", "Regex");
  if (regex !== undefined) {
    try {
      migration.regex = new RegExp(regex);
    } catch (error) {
      throw new KeyProblem("Migration.Regex", (error as SyntaxError).message);
    }
  }
  return migration;
}
