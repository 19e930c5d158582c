import { findCrlf, parseInteger } from "./bytes.ts";
import { ProtocolError } from "./protocol_error.ts";

/** A decoded reply, for the few decisions that need to look inside one. */
export type Reply =
  | { type: "simple"; value: string }
  | { type: "error"; message: string }
  | { type: "integer"; value: number }
  | { type: "bignum"; value: bigint }
  | { type: "bulk"; value: Uint8Array }
  | { type: "null" }
  | { type: "array"; value: Reply[] }
  | { type: "double"; value: number }
  | { type: "boolean"; value: boolean }
  | { type: "verbatim"; format: string; value: Uint8Array }
  | { type: "map"; value: [Reply, Reply][] }
  | { type: "set"; value: Reply[] }
  | { type: "push"; value: Reply[] }
  | { type: "attribute"; attributes: [Reply, Reply][]; value: Reply };

const text = new TextDecoder();

/**
 * Decodes one complete frame as returned by {@linkcode ReplyScanner}.
 *
 * @example
 * ```ts
 * const reply = decodeReply(new TextEncoder().encode(":42\r\n"));
 * console.assert(reply.type === "integer" && reply.value === 42);
 * ```
 */
export function decodeReply(frame: Uint8Array): Reply {
  const [reply, end] = decodeAt(frame, 0);
  if (end !== frame.length) {
    throw new ProtocolError(`Cannot parse RESP reply: trailing bytes at offset ${end}`, end);
  }
  return reply;
}

function line(frame: Uint8Array, pos: number): number {
  const crlf = findCrlf(frame, pos + 1, frame.length);
  if (crlf < 0) {
    throw new ProtocolError(`Cannot parse RESP reply: incomplete frame at offset ${pos}`, pos);
  }
  return crlf;
}

function count(frame: Uint8Array, pos: number, crlf: number): number {
  const n = parseInteger(frame, pos + 1, crlf);
  if (Number.isNaN(n)) {
    throw new ProtocolError(`Cannot parse RESP reply: bad length at offset ${pos}`, pos);
  }
  return n;
}

function decodeMany(frame: Uint8Array, pos: number, n: number): [Reply[], number] {
  const items: Reply[] = [];
  for (let i = 0; i < n; i++) {
    const [item, next] = decodeAt(frame, pos);
    items.push(item);
    pos = next;
  }
  return [items, pos];
}

function pairs(items: Reply[]): [Reply, Reply][] {
  const out: [Reply, Reply][] = [];
  for (let i = 0; i + 1 < items.length; i += 2) out.push([items[i], items[i + 1]]);
  return out;
}

function decodeAt(frame: Uint8Array, pos: number): [Reply, number] {
  const crlf = line(frame, pos);
  const body = () => text.decode(frame.subarray(pos + 1, crlf));
  const next = crlf + 2;
  switch (frame[pos]) {
    case 43:
      return [{ type: "simple", value: body() }, next];
    case 45:
      return [{ type: "error", message: body() }, next];
    case 58: {
      const value = parseInteger(frame, pos + 1, crlf);
      if (!Number.isNaN(value)) return [{ type: "integer", value }, next];
      return [{ type: "bignum", value: BigInt(body()) }, next];
    }
    case 40:
      return [{ type: "bignum", value: BigInt(body()) }, next];
    case 95:
      return [{ type: "null" }, next];
    case 44: {
      const raw = body();
      const value = raw === "inf" ? Infinity : raw === "-inf" ? -Infinity : Number(raw);
      return [{ type: "double", value }, next];
    }
    case 35:
      return [{ type: "boolean", value: frame[pos + 1] === 116 }, next];
    case 36:
    case 33:
    case 61: {
      const length = count(frame, pos, crlf);
      if (length < 0) return [{ type: "null" }, next];
      const value = frame.subarray(next, next + length);
      const end = next + length + 2;
      if (end > frame.length) {
        throw new ProtocolError(`Cannot parse RESP reply: incomplete bulk at offset ${pos}`, pos);
      }
      if (frame[pos] === 33) return [{ type: "error", message: text.decode(value) }, end];
      if (frame[pos] === 61) {
        return [{
          type: "verbatim",
          format: text.decode(value.subarray(0, 3)),
          value: value.subarray(4),
        }, end];
      }
      return [{ type: "bulk", value }, end];
    }
    case 42:
    case 126:
    case 62: {
      const n = count(frame, pos, crlf);
      if (n < 0) return [{ type: "null" }, next];
      const [items, end] = decodeMany(frame, next, n);
      const type = frame[pos] === 42 ? "array" : frame[pos] === 126 ? "set" : "push";
      return [{ type, value: items }, end];
    }
    case 37: {
      const n = count(frame, pos, crlf);
      if (n < 0) return [{ type: "null" }, next];
      const [items, end] = decodeMany(frame, next, n * 2);
      return [{ type: "map", value: pairs(items) }, end];
    }
    case 124: {
      const n = count(frame, pos, crlf);
      const [items, afterAttributes] = decodeMany(frame, next, n * 2);
      const [value, end] = decodeAt(frame, afterAttributes);
      return [{ type: "attribute", attributes: pairs(items), value }, end];
    }
    default:
      throw new ProtocolError(
        `Cannot parse RESP reply: unknown type byte 0x${
          frame[pos].toString(16).padStart(2, "0")
        } at offset ${pos}`,
        pos,
      );
  }
}

/** True for error frames (`-` and RESP3 blob errors `!`). */
export function isErrorFrame(frame: Uint8Array): boolean {
  return frame[0] === 45 || frame[0] === 33;
}

/** The message of an error frame ("BUSYKEY Target key name already exists."), else undefined. */
export function errorMessage(frame: Uint8Array): string | undefined {
  if (!isErrorFrame(frame)) return undefined;
  const reply = decodeReply(frame);
  return reply.type === "error" ? reply.message : undefined;
}

/** The value of an integer frame (`:n`), else undefined. */
export function integerValue(frame: Uint8Array): number | undefined {
  if (frame[0] !== 58) return undefined;
  const value = parseInteger(frame, 1, frame.length - 2);
  return Number.isNaN(value) ? undefined : value;
}
