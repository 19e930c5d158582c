import { concatBytes } from "./bytes.ts";
import type { Reply } from "./reply.ts";

const encoder = new TextEncoder();
const CRLF = encoder.encode("\r\n");

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

function writeAscii(out: Uint8Array, offset: number, value: string): number {
  for (let i = 0; i < value.length; i++) out[offset + i] = value.charCodeAt(i);
  return offset + value.length;
}

/**
 * Encodes a command as a RESP2 multibulk. Called for every forwarded command, so it sizes the
 * output first and allocates once.
 *
 * @example
 * ```ts
 * const bytes = encodeCommand(["GET", "k"]);
 * console.assert(new TextDecoder().decode(bytes) === "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
 * ```
 */
export function encodeCommand(args: readonly (Uint8Array | string)[]): Uint8Array {
  const parts: Uint8Array[] = new Array(args.length);
  let total = 1 + digits(args.length) + 2;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const bytes = typeof arg === "string" ? encoder.encode(arg) : arg;
    parts[i] = bytes;
    total += 1 + digits(bytes.length) + 2 + bytes.length + 2;
  }
  const out = new Uint8Array(total);
  let offset = writeAscii(out, 0, `*${args.length}\r\n`);
  for (const bytes of parts) {
    offset = writeAscii(out, offset, `$${bytes.length}\r\n`);
    out.set(bytes, offset);
    offset += bytes.length;
    out[offset++] = 13;
    out[offset++] = 10;
  }
  return out;
}

/** `+text\r\n` */
export function encodeSimple(text: string): Uint8Array {
  return encoder.encode(`+${text.replace(/[\r\n]/g, " ")}\r\n`);
}

/** `-message\r\n`; the message starts with its code, e.g. "ERR boom". */
export function encodeError(message: string): Uint8Array {
  return encoder.encode(`-${message.replace(/[\r\n]+/g, " ")}\r\n`);
}

/** `:n\r\n` */
export function encodeInteger(value: number | bigint): Uint8Array {
  return encoder.encode(`:${value}\r\n`);
}

/** `$len\r\nbytes\r\n`, or the null bulk `$-1\r\n`. */
export function encodeBulk(value: Uint8Array | string | null): Uint8Array {
  if (value === null) return encoder.encode("$-1\r\n");
  const bytes = typeof value === "string" ? encoder.encode(value) : value;
  return concatBytes([encoder.encode(`$${bytes.length}\r\n`), bytes, CRLF]);
}

/** `*n\r\n` followed by already encoded frames. */
export function encodeArray(frames: readonly Uint8Array[]): Uint8Array {
  return concatBytes([encoder.encode(`*${frames.length}\r\n`), ...frames]);
}

function formatDouble(value: number): string {
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (Number.isNaN(value)) return "nan";
  return `${value}`;
}

function aggregate(prefix: string, items: Uint8Array[], count = items.length): Uint8Array {
  return concatBytes([encoder.encode(`${prefix}${count}\r\n`), ...items]);
}

/**
 * Encodes a decoded reply for a client speaking `protocol`. For RESP2 clients, RESP3 types are
 * downgraded as Redis does: maps flatten to arrays, sets and pushes become arrays, doubles and
 * big numbers become bulk strings, booleans become 1/0, attributes are dropped.
 */
export function encodeReply(reply: Reply, protocol: 2 | 3): Uint8Array {
  const v3 = protocol === 3;
  switch (reply.type) {
    case "simple":
      return encodeSimple(reply.value);
    case "error":
      return encodeError(reply.message);
    case "integer":
      return encodeInteger(reply.value);
    case "bignum":
      return v3 ? encoder.encode(`(${reply.value}\r\n`) : encodeBulk(`${reply.value}`);
    case "bulk":
      return encodeBulk(reply.value);
    case "null":
      return v3 ? encoder.encode("_\r\n") : encodeBulk(null);
    case "array":
      return aggregate("*", reply.value.map((r) => encodeReply(r, protocol)));
    case "double":
      return v3
        ? encoder.encode(`,${formatDouble(reply.value)}\r\n`)
        : encodeBulk(formatDouble(reply.value));
    case "boolean":
      return v3 ? encoder.encode(`#${reply.value ? "t" : "f"}\r\n`) : encodeInteger(reply.value ? 1 : 0);
    case "verbatim":
      if (!v3) return encodeBulk(reply.value);
      return concatBytes([
        encoder.encode(`=${reply.value.length + 4}\r\n${reply.format}:`),
        reply.value,
        CRLF,
      ]);
    case "map": {
      const items = reply.value.flatMap(([k, v]) => [encodeReply(k, protocol), encodeReply(v, protocol)]);
      return v3 ? aggregate("%", items, reply.value.length) : aggregate("*", items);
    }
    case "set":
      return aggregate(v3 ? "~" : "*", reply.value.map((r) => encodeReply(r, protocol)));
    case "push":
      return aggregate(v3 ? ">" : "*", reply.value.map((r) => encodeReply(r, protocol)));
    case "attribute": {
      const value = encodeReply(reply.value, protocol);
      if (!v3) return value;
      const items = reply.attributes.flatMap(([k, v]) => [encodeReply(k, 3), encodeReply(v, 3)]);
      return concatBytes([aggregate("|", items, reply.attributes.length), value]);
    }
  }
}
