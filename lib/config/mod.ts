/**
 * Remiro's configuration: the TOML file format of the Go Remiro, loaded and validated.
 *
 * @module
 */
export {
  type Config,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  type GroupConfig,
  type GroupMember,
  type ListenTlsConfig,
  type ServerConfig,
  type ServerTlsConfig,
  type UserConfig,
} from "./config.ts";
export { readableSecretsWarning } from "./secret_file_mode.ts";
export type { HooksConfig } from "./read_hooks.ts";
export { ConfigError } from "./config_error.ts";
export {
  type ClientLimits,
  DEFAULT_CLIENT_LIMITS,
  DEFAULT_SERVER_TIMEOUTS,
  parseSize,
} from "./read_limits.ts";
export { loadConfig, parseConfig } from "./load_config.ts";
export { parseDuration } from "./duration.ts";
export { type Address, parseAddress } from "./address.ts";
