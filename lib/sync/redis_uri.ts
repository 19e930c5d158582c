import type { ServerAddress } from "../upstream/mod.ts";

/** A server named by a Redis URI, ready for UpstreamConnection.open. */
export interface RedisUri extends ServerAddress {
  addr: { hostname: string; port: number };
  db: number;
}

/** A Redis URI that cannot be used. */
export class RedisUriError extends TypeError {
  override name = "RedisUriError";
}

/**
 * Parses `redis://[user:password@]host[:port][/db]` and `rediss://` (TLS). A password alone is
 * written `redis://:password@host`. The text shown in messages never contains the password.
 */
export function parseRedisUri(text: string): RedisUri {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisUriError(`"${text}" is not a Redis URI (redis://host:port/db)`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new RedisUriError(`"${url.protocol}" is not redis: or rediss: in ${url.host}`);
  }
  const path = url.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d+$/.test(path)) {
    throw new RedisUriError(`database "${path}" in ${url.host} is not a number`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!hostname) throw new RedisUriError(`no host in "${text}"`);
  const port = url.port === "" ? 6379 : Number(url.port);
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  return {
    addr: { hostname, port },
    addrText: `${hostname}:${port}`,
    username: password === undefined ? undefined : username,
    password: password ?? username,
    db: path === "" ? 0 : Number(path),
    tls: url.protocol === "rediss:" ? {} : undefined,
  };
}
