export {
  type ConnectOptions,
  type ReplySink,
  type Request,
  type ServerAddress,
  type TlsOptions,
  UpstreamConnection,
} from "./upstream_connection.ts";
export { type PoolOptions, UpstreamPool } from "./upstream_pool.ts";
export { describeNetworkError, UpstreamError } from "./upstream_error.ts";
export { connectTls } from "./connect_socket.ts";
