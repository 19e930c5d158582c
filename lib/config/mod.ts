/**
 * Remiro's configuration: the TOML file format of the Go Remiro, loaded and validated.
 *
 * @module
 */
export {
  type Config,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  type GroupConfig,
  type ServerConfig,
} from "./config.ts";
export { ConfigError } from "./config_error.ts";
export { loadConfig, parseConfig } from "./load_config.ts";
export { parseDuration } from "./duration.ts";
export { type Address, parseAddress } from "./address.ts";
