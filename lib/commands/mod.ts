/**
 * Redis's command table (generated from redis-server's COMMAND by scripts/gen_commands.ts),
 * key extraction with Redis 7 key specs, and the migration plan of each command.
 *
 * @module
 */
export { type CommandPlan, type KeyAction, type KeyPlan, planCommand } from "./classify.ts";
export {
  type BeginSearch,
  checkArity,
  COMMAND_TABLE_REDIS_VERSION,
  commandName,
  commandNames,
  type CommandSpec,
  type FindKeys,
  type KeySpec,
  lookupCommand,
} from "./command_table.ts";
export { extractKeys, type KeyRef } from "./key_extraction.ts";
export { type PresenceTest, presenceTest } from "./reply_presence.ts";
export { lowerAsciiString } from "./byte_name_map.ts";
