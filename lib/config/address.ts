/** A TCP address (`hostname` without IPv6 brackets) or a unix socket path. */
export type Address = { hostname: string; port: number } | { path: string };

const UNIX_PREFIX = "unix:";

/**
 * Parses a Redis server address: `host:port`, `[ipv6]:port` or `unix:/path/to.sock`.
 *
 * Hosts are split from ports as Go's `net.SplitHostPort` does, so addresses written for the
 * Go Remiro keep working; an empty host (`":6379"`) means `localhost`, as Go's dialer reads it.
 * Ports are decimal numbers from 1 to 65535.
 *
 * @throws {RangeError} naming what is wrong, such as `missing port in address "redis"`.
 *
 * @example
 * ```ts
 * import { parseAddress } from "./address.ts";
 *
 * parseAddress("redis-source:6379"); // { hostname: "redis-source", port: 6379 }
 * parseAddress("[::1]:6380"); // { hostname: "::1", port: 6380 }
 * parseAddress("unix:/run/redis.sock"); // { path: "/run/redis.sock" }
 * ```
 */
export function parseAddress(text: string): Address {
  const quoted = JSON.stringify(text);
  if (text === "") throw new RangeError("empty address");
  if (/\s/.test(text)) throw new RangeError(`unexpected whitespace in address ${quoted}`);

  if (text.startsWith(UNIX_PREFIX)) {
    const path = text.slice(UNIX_PREFIX.length);
    if (path === "") throw new RangeError(`missing socket path in address ${quoted}`);
    return { path };
  }

  let hostname: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) throw new RangeError(`missing "]" in address ${quoted}`);
    hostname = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after === "") throw new RangeError(`missing port in address ${quoted}`);
    if (after[0] !== ":") throw new RangeError(`unexpected text after "]" in address ${quoted}`);
    portText = after.slice(1);
    if (hostname === "") throw new RangeError(`missing host in address ${quoted}`);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) throw new RangeError(`missing port in address ${quoted}`);
    hostname = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (hostname.includes(":")) {
      throw new RangeError(
        `too many colons in address ${quoted} (write IPv6 addresses as "[::1]:6379")`,
      );
    }
    if (/[[\]]/.test(hostname)) {
      throw new RangeError(`unexpected "[" or "]" in address ${quoted}`);
    }
    if (hostname === "") hostname = "localhost";
  }

  if (portText === "") throw new RangeError(`missing port in address ${quoted}`);
  if (!/^[0-9]+$/.test(portText)) {
    throw new RangeError(`port ${JSON.stringify(portText)} is not a number in address ${quoted}`);
  }
  const port = Number(portText);
  if (port < 1 || port > 65535) {
    throw new RangeError(`port ${portText} out of range 1-65535 in address ${quoted}`);
  }
  return { hostname, port };
}
