import { ProtocolError } from "./protocol_error.ts";

/**
 * A decoded reply, for the few places that must look inside one (forwarding uses raw frames).
 * Bulk, verbatim and similar byte values are views into the decoded frame, not copies.
 */
export type Reply =
  | { type: "simple"; value: string }
  /** Text after `-`, or the text of a RESP3 blob error, e.g. `BUSYKEY Target key name ...`. */
  | { type: "error"; message: string }
  /** A RESP integer within the safe integer range. */
  | { type: "integer"; value: number }
  /** A RESP3 big number, or a RESP integer beyond 2^53. */
  | { type: "bignum"; value: bigint }
  | { type: "bulk"; value: Uint8Array }
  /** `$-1`, `*-1` and RESP3 `_`. */
  | { type: "null" }
  | { type: "array"; value: Reply[] }
  | { type: "double"; value: number }
  | { type: "boolean"; value: boolean }
  | { type: "verbatim"; format: string; value: Uint8Array }
  | { type: "map"; value: [Reply, Reply][] }
  | { type: "set"; value: Reply[] }
  | { type: "push"; value: Reply[] }
  /** RESP3 attributes and the value they annotate. */
  | { type: "attribute"; attributes: [Reply, Reply][]; value: Reply };

const CR = 13;
const LF = 10;
const MINUS = 45;
const PLUS = 43;
const COLON = 58;
const BANG = 33;
const DOLLAR = 36;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
// Deeper than any real reply; keeps a hostile frame from overflowing the call stack.
const MAX_DEPTH = 1000;
const DOUBLE_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const utf8 = new TextDecoder();
const latin1 = new TextDecoder("latin1");

/**
 * Decodes one complete frame, as returned by {@linkcode ReplyScanner}.
 *
 * @throws {ProtocolError} if the bytes are not exactly one well-formed RESP2/RESP3 reply
 * @example
 * ```ts
 * const reply = decodeReply(new TextEncoder().encode(":42\r\n"));
 * // reply: { type: "integer", value: 42 }
 * ```
 */
export function decodeReply(frame: Uint8Array): Reply {
  const cursor = { pos: 0 };
  const reply = parse(frame, cursor, 0);
  if (cursor.pos !== frame.length) throw fail("trailing bytes after the reply", cursor.pos);
  return reply;
}

/** Whether `frame` is an error reply (`-` simple error or `!` blob error). */
export function isErrorFrame(frame: Uint8Array): boolean {
  return frame[0] === MINUS || frame[0] === BANG;
}

/** The message of an error frame (without `-`, e.g. `ERR unknown command ...`), else undefined. */
export function errorMessage(frame: Uint8Array): string | undefined {
  if (frame[0] === MINUS) {
    const cr = frame.indexOf(CR, 1);
    return utf8.decode(frame.subarray(1, cr === -1 ? frame.length : cr));
  }
  if (frame[0] === BANG) {
    const reply = decodeReply(frame);
    return reply.type === "error" ? reply.message : undefined;
  }
  return undefined;
}

/**
 * The value of an integer frame (`:`), else undefined. Integers beyond 2^53 come back rounded;
 * use {@linkcode decodeReply} to get them exactly.
 */
export function integerValue(frame: Uint8Array): number | undefined {
  if (frame[0] !== COLON) return undefined;
  const cr = frame.indexOf(CR, 1);
  if (cr === -1) return undefined;
  const value = integerText(frame, 1, cr);
  if (value === undefined) return undefined;
  return typeof value === "number" ? value : Number(value);
}

interface Cursor {
  pos: number;
}

function parse(buf: Uint8Array, cursor: Cursor, depth: number): Reply {
  if (depth > MAX_DEPTH) throw fail("replies nested too deeply", cursor.pos);
  const start = cursor.pos;
  if (start >= buf.length) throw fail("truncated reply", start);
  const type = buf[start];
  const end = lineEnd(buf, start + 1);
  cursor.pos = end + 2;
  switch (type) {
    case 43: // +
      return { type: "simple", value: utf8.decode(buf.subarray(start + 1, end)) };
    case 45: // -
      return { type: "error", message: utf8.decode(buf.subarray(start + 1, end)) };
    case 58: { // :
      const value = integerText(buf, start + 1, end);
      if (value === undefined) throw fail("invalid integer", start);
      return typeof value === "number" ? { type: "integer", value } : { type: "bignum", value };
    }
    case 40: { // (
      const value = integerText(buf, start + 1, end);
      if (value === undefined) throw fail("invalid big number", start);
      return { type: "bignum", value: BigInt(value) };
    }
    case 44: // ,
      return { type: "double", value: parseDouble(buf, start + 1, end) };
    case 35: { // #
      const flag = end === start + 2 ? buf[start + 1] : 0;
      if (flag !== 116 && flag !== 102) throw fail("invalid boolean", start);
      return { type: "boolean", value: flag === 116 };
    }
    case 95: // _
      if (end !== start + 1) throw fail("invalid null", start);
      return { type: "null" };
    case 36: // $
    case 33: // !
    case 61: { // =
      const length = count(buf, start, end);
      if (length === -1 && type === DOLLAR) return { type: "null" };
      if (length < 0) throw fail("invalid length", start);
      const value = payload(buf, cursor, length);
      if (type === DOLLAR) return { type: "bulk", value };
      if (type === BANG) return { type: "error", message: utf8.decode(value) };
      if (length < 4 || value[3] !== COLON) throw fail("invalid verbatim string", start);
      return {
        type: "verbatim",
        format: utf8.decode(value.subarray(0, 3)),
        value: value.subarray(4),
      };
    }
    case 42: // *
    case 126: // ~
    case 62: { // >
      const n = count(buf, start, end);
      if (n === -1 && type === 42) return { type: "null" };
      if (n < 0) throw fail("invalid length", start);
      const value: Reply[] = [];
      for (let i = 0; i < n; i++) value.push(parse(buf, cursor, depth + 1));
      return type === 42
        ? { type: "array", value }
        : type === 126
        ? { type: "set", value }
        : { type: "push", value };
    }
    case 37: // %
    case 124: { // |
      const n = count(buf, start, end);
      if (n < 0) throw fail("invalid length", start);
      const pairs: [Reply, Reply][] = [];
      for (let i = 0; i < n; i++) {
        pairs.push([parse(buf, cursor, depth + 1), parse(buf, cursor, depth + 1)]);
      }
      if (type === 37) return { type: "map", value: pairs };
      return { type: "attribute", attributes: pairs, value: parse(buf, cursor, depth + 1) };
    }
    default:
      throw fail(`unknown type byte 0x${type.toString(16).padStart(2, "0")}`, start);
  }
}

// Position of the CR of the CRLF ending the line that starts at `from`.
function lineEnd(buf: Uint8Array, from: number): number {
  const cr = buf.indexOf(CR, from);
  if (cr === -1 || cr + 1 >= buf.length) throw fail("truncated reply", from - 1);
  if (buf[cr + 1] !== LF) throw fail("expected CRLF", cr + 1);
  return cr;
}

// The length or element count on a header line; -2 when it is not a plain integer.
function count(buf: Uint8Array, start: number, end: number): number {
  const value = integerText(buf, start + 1, end);
  if (typeof value !== "number" || buf[start + 1] === PLUS) return -2;
  return value;
}

function payload(buf: Uint8Array, cursor: Cursor, length: number): Uint8Array {
  const from = cursor.pos;
  const to = from + length;
  if (to + 2 > buf.length) throw fail("truncated reply", from);
  if (buf[to] !== CR || buf[to + 1] !== LF) throw fail("expected CRLF", to);
  cursor.pos = to + 2;
  return buf.subarray(from, to);
}

// Parses "[+-]digits" in buf[start, end): a number when it is a safe integer, a bigint beyond
// that, undefined when it is not an integer.
function integerText(buf: Uint8Array, start: number, end: number): number | bigint | undefined {
  let i = start;
  const negative = buf[i] === MINUS;
  if (negative || buf[i] === PLUS) i++;
  if (i >= end) return undefined;
  let value = 0;
  for (let j = i; j < end; j++) {
    const c = buf[j];
    if (c < DIGIT_0 || c > DIGIT_9) return undefined;
    value = value * 10 + (c - DIGIT_0);
  }
  if (value <= Number.MAX_SAFE_INTEGER) return negative ? -value : value;
  let text = negative ? "-" : "";
  for (let j = i; j < end; j++) text += String.fromCharCode(buf[j]);
  return BigInt(text);
}

/**
 * Whether `buf[start, end)` is the text of a RESP3 double (`1.5`, `-2e10`, `inf`, `nan`), so the
 * scanner accepts exactly the doubles that {@linkcode decodeReply} can decode.
 */
export function isDoubleText(buf: Uint8Array, start: number, end: number): boolean {
  return !Number.isNaN(doubleValue(buf, start, end)) || isNanText(buf, start, end);
}

function parseDouble(buf: Uint8Array, start: number, end: number): number {
  const value = doubleValue(buf, start, end);
  if (Number.isNaN(value) && !isNanText(buf, start, end)) throw fail("invalid double", start - 1);
  return value;
}

// NaN for "nan" and for text that is not a double; isNanText tells the two apart.
function doubleValue(buf: Uint8Array, start: number, end: number): number {
  const text = latin1.decode(buf.subarray(start, end));
  switch (text.toLowerCase()) {
    case "inf":
    case "+inf":
      return Infinity;
    case "-inf":
      return -Infinity;
  }
  return DOUBLE_TEXT.test(text) ? Number(text) : NaN;
}

function isNanText(buf: Uint8Array, start: number, end: number): boolean {
  const text = latin1.decode(buf.subarray(start, end)).toLowerCase();
  return text === "nan" || text === "-nan";
}

function fail(what: string, offset: number): ProtocolError {
  return new ProtocolError(`Cannot parse RESP reply: ${what} at offset ${offset}`, offset);
}

/**
 * The cursor and elements of a SCAN-family reply (SCAN, HSCAN, SSCAN, ZSCAN), or undefined for
 * anything else (an error reply, say).
 */
export function scanReplyParts(reply: Reply): { cursor: string; items: Uint8Array[] } | undefined {
  if (reply.type !== "array" || reply.value.length !== 2) return undefined;
  const [cursor, items] = reply.value;
  if (cursor.type !== "bulk" || items.type !== "array") return undefined;
  return {
    cursor: new TextDecoder().decode(cursor.value),
    items: items.value.flatMap((item) => (item.type === "bulk" ? [item.value] : [])),
  };
}
