/**
 * Throwaway redis-server processes for the demo and for tests, and a dependency-free way to
 * send them one command.
 *
 * @module
 */
export { freePort } from "./free_port.ts";
export { rawCommand, sendCommands } from "./raw_command.ts";
export {
  REDIS_INSTALL_HINT,
  RedisServer,
  redisServerAvailable,
  type RedisServerOptions,
} from "./redis_server.ts";
