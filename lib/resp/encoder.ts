import { allocBytes } from "./alloc_bytes.ts";
import type { Reply } from "./reply.ts";

const CR = 13;
const LF = 10;
const DIGIT_0 = 48;
// Below this, copying char codes by hand beats the call into TextEncoder.encodeInto.
const HAND_COPY_MAX = 64;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

const utf8 = new TextEncoder();
const NULL_BULK = utf8.encode("$-1\r\n");
const LINE_BREAK = /[\r\n]/;
// Byte lengths of the arguments of the command being encoded, reused across calls.
let argLengths = new Float64Array(16);

/**
 * Joins byte arrays into one new array with a single allocation. Like every encoder here, a
 * small result may be a view into a shared buffer (never transfer or detach its `.buffer`).
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (let i = 0; i < parts.length; i++) total += parts[i].length;
  const out = allocBytes(total);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    out.set(parts[i], offset);
    offset += parts[i].length;
  }
  return out;
}

/**
 * Encodes a command as a RESP2 multibulk request; strings are UTF-8 encoded. Computes the size
 * first and writes into one allocation, which for small commands is a view into a shared
 * buffer (never transfer or detach its `.buffer`).
 *
 * @example
 * ```ts
 * encodeCommand(["SET", "k", new Uint8Array([1, 2])]); // *3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n..\r\n
 * ```
 */
export function encodeCommand(args: readonly (Uint8Array | string)[]): Uint8Array {
  const count = args.length;
  if (argLengths.length < count) argLengths = new Float64Array(count * 2);
  const lengths = argLengths;
  let total = 3 + decimalLength(count);
  for (let i = 0; i < count; i++) {
    const arg = args[i];
    const length = typeof arg === "string" ? utf8Length(arg) : arg.length;
    lengths[i] = length;
    total += 5 + decimalLength(length) + length;
  }
  const buf = allocBytes(total);
  buf[0] = 42;
  let pos = writeDecimal(buf, 1, count);
  buf[pos++] = CR;
  buf[pos++] = LF;
  for (let i = 0; i < count; i++) {
    const arg = args[i];
    const length = lengths[i];
    buf[pos++] = 36;
    pos = writeDecimal(buf, pos, length);
    buf[pos++] = CR;
    buf[pos++] = LF;
    if (typeof arg !== "string") buf.set(arg, pos);
    else writeString(buf, pos, arg, length);
    pos += length;
    buf[pos++] = CR;
    buf[pos++] = LF;
  }
  return buf;
}

/** Encodes a simple string reply: `encodeSimple("OK")` is `+OK\r\n`. Line breaks become spaces. */
export function encodeSimple(text: string): Uint8Array {
  return line(43, text);
}

/**
 * Encodes an error reply: `encodeError("ERR boom")` is `-ERR boom\r\n`. Like Redis, line breaks
 * at the ends are trimmed and the others become spaces, so the text cannot break the framing.
 */
export function encodeError(message: string): Uint8Array {
  return line(45, message);
}

/** Encodes an integer reply, `:<value>\r\n`. */
export function encodeInteger(value: number | bigint): Uint8Array {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    if (!Number.isInteger(value)) throw new RangeError(`not an integer: ${value}`);
    // Beyond 2^53 template literals switch to exponent notation; BigInt prints every digit.
    value = BigInt(value);
  }
  if (typeof value === "bigint") return ascii(`:${value}\r\n`);
  const negative = value < 0;
  const magnitude = negative ? -value : value;
  const sign = negative ? 1 : 0;
  const buf = allocBytes(3 + sign + decimalLength(magnitude));
  buf[0] = 58;
  if (negative) buf[1] = 45;
  const pos = writeDecimal(buf, 1 + sign, magnitude);
  buf[pos] = CR;
  buf[pos + 1] = LF;
  return buf;
}

/** Encodes a bulk string reply; strings are UTF-8 encoded; null is the null bulk `$-1\r\n`. */
export function encodeBulk(value: Uint8Array | string | null): Uint8Array {
  if (value === null) return copy(NULL_BULK);
  const length = typeof value === "string" ? utf8Length(value) : value.length;
  const buf = allocBytes(5 + decimalLength(length) + length);
  buf[0] = 36;
  let pos = writeDecimal(buf, 1, length);
  buf[pos++] = CR;
  buf[pos++] = LF;
  if (typeof value === "string") writeString(buf, pos, value, length);
  else buf.set(value, pos);
  pos += length;
  buf[pos++] = CR;
  buf[pos] = LF;
  return buf;
}

/** Encodes an array reply, `*N\r\n` followed by the already-encoded `frames`. */
export function encodeArray(frames: readonly Uint8Array[]): Uint8Array {
  let total = 3 + decimalLength(frames.length);
  for (let i = 0; i < frames.length; i++) total += frames[i].length;
  const buf = allocBytes(total);
  buf[0] = 42;
  let pos = writeDecimal(buf, 1, frames.length);
  buf[pos++] = CR;
  buf[pos++] = LF;
  for (let i = 0; i < frames.length; i++) {
    buf.set(frames[i], pos);
    pos += frames[i].length;
  }
  return buf;
}

/**
 * Encodes a decoded reply for a client speaking `protocol`. For RESP2 clients RESP3 types are
 * downgraded the way Redis does it: map to a flat key/value array, set and push to arrays,
 * double and big number to bulk strings, boolean to `:1`/`:0`, null to `$-1`, verbatim to a
 * bulk of its text, attributes dropped.
 *
 * A `bignum` that fits in 64 bits is written as an integer (`:`) for both protocols: Redis
 * never sends such a big number, so it can only be a RESP integer beyond 2^53.
 */
export function encodeReply(reply: Reply, protocol: 2 | 3): Uint8Array {
  const parts: Uint8Array[] = [];
  writeReply(parts, reply, protocol === 3);
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}

function writeReply(parts: Uint8Array[], reply: Reply, resp3: boolean): void {
  switch (reply.type) {
    case "simple":
      parts.push(encodeSimple(reply.value));
      return;
    case "error":
      parts.push(
        resp3 && /[\r\n]/.test(reply.message)
          ? prefixed("!", utf8.encode(reply.message))
          : encodeError(reply.message),
      );
      return;
    case "integer":
      parts.push(encodeInteger(reply.value));
      return;
    case "bignum":
      if (reply.value >= INT64_MIN && reply.value <= INT64_MAX) {
        parts.push(encodeInteger(reply.value));
      } else {
        parts.push(resp3 ? ascii(`(${reply.value}\r\n`) : encodeBulk(`${reply.value}`));
      }
      return;
    case "bulk":
      parts.push(encodeBulk(reply.value));
      return;
    case "null":
      parts.push(resp3 ? ascii("_\r\n") : encodeBulk(null));
      return;
    case "double":
      parts.push(
        resp3 ? ascii(`,${formatDouble(reply.value)}\r\n`) : encodeBulk(formatDouble(reply.value)),
      );
      return;
    case "boolean":
      parts.push(
        ascii(resp3 ? (reply.value ? "#t\r\n" : "#f\r\n") : (reply.value ? ":1\r\n" : ":0\r\n")),
      );
      return;
    case "verbatim":
      if (!resp3) {
        parts.push(encodeBulk(reply.value));
      } else {
        const format = utf8.encode(`${reply.format}:`);
        parts.push(prefixed("=", concatBytes([format, reply.value])));
      }
      return;
    case "array":
    case "set":
    case "push": {
      const type = !resp3 || reply.type === "array" ? "*" : reply.type === "set" ? "~" : ">";
      parts.push(ascii(`${type}${reply.value.length}\r\n`));
      for (const item of reply.value) writeReply(parts, item, resp3);
      return;
    }
    case "map":
      parts.push(ascii(resp3 ? `%${reply.value.length}\r\n` : `*${reply.value.length * 2}\r\n`));
      writePairs(parts, reply.value, resp3);
      return;
    case "attribute":
      if (resp3) {
        parts.push(ascii(`|${reply.attributes.length}\r\n`));
        writePairs(parts, reply.attributes, resp3);
      }
      writeReply(parts, reply.value, resp3);
      return;
  }
}

function writePairs(parts: Uint8Array[], pairs: [Reply, Reply][], resp3: boolean): void {
  for (const [key, value] of pairs) {
    writeReply(parts, key, resp3);
    writeReply(parts, value, resp3);
  }
}

// A length-prefixed RESP3 string (`!` blob error, `=` verbatim).
function prefixed(type: string, body: Uint8Array): Uint8Array {
  return concatBytes([ascii(`${type}${body.length}\r\n`), body, ascii("\r\n")]);
}

// Redis prints doubles as "inf", "-inf" and "nan", and otherwise in shortest round-trip form.
function formatDouble(value: number): string {
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (Number.isNaN(value)) return "nan";
  if (Object.is(value, -0)) return "-0";
  return String(value);
}

// `<type><text>\r\n`, with Redis's treatment of line breaks in the text.
function line(type: number, text: string): Uint8Array {
  if (LINE_BREAK.test(text)) {
    text = text.replace(/^[\r\n]+|[\r\n]+$/g, "").replace(/[\r\n]/g, " ");
  }
  const length = utf8Length(text);
  const buf = allocBytes(length + 3);
  buf[0] = type;
  writeString(buf, 1, text, length);
  buf[length + 1] = CR;
  buf[length + 2] = LF;
  return buf;
}

function ascii(text: string): Uint8Array {
  const buf = allocBytes(text.length);
  for (let i = 0; i < text.length; i++) buf[i] = text.charCodeAt(i);
  return buf;
}

function copy(bytes: Uint8Array): Uint8Array {
  const buf = allocBytes(bytes.length);
  buf.set(bytes);
  return buf;
}

// Bytes TextEncoder produces for `text` (a lone surrogate becomes the 3-byte U+FFFD).
function utf8Length(text: string): number {
  const n = text.length;
  let length = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      length += 1;
    } else if (
      c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      length += 2; // two UTF-16 units, four bytes
      i++;
    } else {
      length += 2;
    }
  }
  return length;
}

function writeString(buf: Uint8Array, pos: number, text: string, byteLength: number): void {
  if (byteLength === text.length && byteLength <= HAND_COPY_MAX) {
    for (let i = 0; i < byteLength; i++) buf[pos + i] = text.charCodeAt(i);
  } else {
    utf8.encodeInto(text, buf.subarray(pos, pos + byteLength));
  }
}

function decimalLength(value: number): number {
  let digits = 1;
  for (let bound = 10; value >= bound; bound *= 10) digits++;
  return digits;
}

// Writes a non-negative integer in decimal at buf[pos]; returns the position after it.
function writeDecimal(buf: Uint8Array, pos: number, value: number): number {
  const end = pos + decimalLength(value);
  let i = end;
  do {
    const next = Math.floor(value / 10);
    buf[--i] = DIGIT_0 + (value - next * 10);
    value = next;
  } while (value > 0);
  return end;
}

/** Arguments at least this big are sent as they are instead of copied into one frame. */
export const LARGE_ARGUMENT = 64 * 1024;

/**
 * Like {@linkcode encodeCommand}, but when an argument is large the command comes back as a
 * list of parts that reference it, so a 100 MB value is not copied once more just to prefix
 * it with a length. Small commands (nearly all) still come back as one frame.
 */
export function encodeRequest(
  args: readonly (Uint8Array | string)[],
): Uint8Array | Uint8Array[] {
  let large = false;
  for (const arg of args) {
    if (typeof arg !== "string" && arg.length >= LARGE_ARGUMENT) large = true;
  }
  if (!large) return encodeCommand(args);
  const parts: Uint8Array[] = [];
  let small: Uint8Array[] = [ascii(`*${args.length}\r\n`)];
  for (const arg of args) {
    if (typeof arg === "string" || arg.length < LARGE_ARGUMENT) {
      small.push(encodeBulk(arg));
      continue;
    }
    small.push(ascii(`$${arg.length}\r\n`));
    parts.push(concatBytes(small), arg);
    small = [ascii("\r\n")];
  }
  parts.push(concatBytes(small));
  return parts;
}
