export { freePort } from "./free_port.ts";
export { rawCommand } from "./raw_command.ts";
export {
  REDIS_INSTALL_HINT,
  redisServerAvailable,
  RedisServer,
  type RedisServerOptions,
} from "./redis_server.ts";
