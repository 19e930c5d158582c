import {
  decodeReply,
  encodeCommand,
  ProtocolError,
  ReplyScanner,
  RequestDecoder,
  type RequestLimits,
} from "../lib/resp/mod.ts";
import { concatChunks } from "../lib/util/mod.ts";
import { randomArgument, randomCommand } from "./arguments.ts";
import { type FuzzTarget, InvariantError } from "./engine.ts";
import { chunks, mutate, Prng } from "./mutate.ts";

// The first input byte says what the rest is: even for client requests, odd for server replies.
const REQUESTS = 0;
const REPLIES = 1;

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** An inline form of `args`, quoting what needs it the way redis-cli would. */
function inline(rng: Prng, args: Uint8Array[]): string {
  const words = args.map((arg) => {
    const text = latin1.decode(arg);
    if (/^[\x21-\x7e]+$/.test(text) && !/["']/.test(text) && rng.chance(0.8)) return text;
    let quoted = '"';
    for (const byte of arg) {
      if (byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c) {
        quoted += String.fromCharCode(byte);
      } else quoted += `\\x${byte.toString(16).padStart(2, "0")}`;
    }
    return quoted + '"';
  });
  return words.join(rng.chance(0.9) ? " " : "  \t") + (rng.chance(0.8) ? "\r\n" : "\n");
}

function requestStream(rng: Prng): Uint8Array {
  const parts: Uint8Array[] = [];
  const count = 1 + rng.below(6);
  for (let i = 0; i < count; i++) {
    const args = randomCommand(rng);
    parts.push(rng.chance(0.7) ? encodeCommand(args).slice() : encoder.encode(inline(rng, args)));
  }
  return concatChunks(parts);
}

/** A random RESP2/RESP3 reply as text, nested up to `depth` levels. */
function replyText(rng: Prng, depth: number): string {
  const bulk = (type: string) => {
    const body = latin1.decode(randomArgument(rng));
    return `${type}${body.length}\r\n${body}\r\n`;
  };
  const kind = rng.below(depth > 0 ? 16 : 11);
  switch (kind) {
    case 0:
      return `+${rng.pick(["OK", "PONG", "QUEUED", ""])}\r\n`;
    case 1:
      return `-${rng.pick(["ERR unknown command", "MOVED 1 a:1", "WRONGTYPE x"])}\r\n`;
    case 2:
      return `:${rng.pick(["0", "-1", "42", "9223372036854775807", "-9223372036854775808"])}\r\n`;
    case 3:
      return bulk("$");
    case 4:
      return rng.chance(0.5) ? "$-1\r\n" : "*-1\r\n";
    case 5:
      return "_\r\n";
    case 6:
      return `,${rng.pick(["1.5", "-0", "inf", "-inf", "nan", "1e10", ".5"])}\r\n`;
    case 7:
      return rng.chance(0.5) ? "#t\r\n" : "#f\r\n";
    case 8:
      return bulk("!");
    case 9: {
      const body = `txt:${latin1.decode(randomArgument(rng))}`;
      return `=${body.length}\r\n${body}\r\n`;
    }
    case 10:
      return `(${rng.pick(["0", "-1", "123456789012345678901234567890"])}\r\n`;
    default: {
      const type = rng.pick(["*", "*", "%", "~", ">", "|"]);
      const n = rng.below(5);
      const elements = type === "%" || type === "|" ? 2 * n : n;
      let out = `${type}${n}\r\n`;
      for (let i = 0; i < elements; i++) out += replyText(rng, depth - 1);
      // An attribute annotates the value that follows it.
      if (type === "|") out += replyText(rng, depth - 1);
      return out;
    }
  }
}

function replyStream(rng: Prng): Uint8Array {
  let text = "";
  const count = 1 + rng.below(5);
  for (let i = 0; i < count; i++) text += replyText(rng, 1 + rng.below(4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function generate(rng: Prng): Uint8Array {
  const mode = rng.chance(0.6) ? REQUESTS : REPLIES;
  let payload: Uint8Array;
  if (rng.chance(0.05)) {
    payload = rng.bytes(rng.below(200));
  } else {
    payload = mode === REQUESTS ? requestStream(rng) : replyStream(rng);
    if (rng.chance(0.85)) {
      const other = mode === REQUESTS ? requestStream(rng) : replyStream(rng);
      payload = mutate(rng, payload, [other]);
    }
  }
  const input = new Uint8Array(payload.length + 1);
  input[0] = mode | (rng.u32() & 0xfe);
  input.set(payload, 1);
  return input;
}

/** Small limits for some inputs, so that the limit checks run too. */
function limitsFor(rng: Prng): RequestLimits {
  if (rng.chance(0.7)) return {};
  return {
    maxBulkLength: rng.pick([0, 1, 16, 300]),
    maxMultibulkLength: rng.pick([0, 1, 4, 300]),
    maxInlineLength: rng.pick([1, 8, 64, 512]),
  };
}

interface Outcome<T> {
  items: T[];
  error?: ProtocolError;
}

function decodeRequests(pieces: Uint8Array[], limits: RequestLimits): Outcome<Uint8Array[]> {
  const decoder = new RequestDecoder(limits);
  const items: Uint8Array[][] = [];
  for (const piece of pieces) {
    try {
      const decoded = decoder.push(piece);
      expectFramesEncodeArguments(decoded, decoder.frames);
      items.push(...decoded);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      items.push(...error.commands);
      expectSameErrorAgain(() => decoder.push(piece), error);
      return { items, error };
    }
  }
  return { items };
}

// A request's kept bytes go upstream in place of its arguments: they must be exactly what
// encoding the arguments gives, or the upstream would run something else.
function expectFramesEncodeArguments(
  decoded: Uint8Array[][],
  frames: readonly (Uint8Array | undefined)[],
): void {
  if (frames.length !== decoded.length) {
    throw new InvariantError(`${frames.length} frames kept for ${decoded.length} requests`);
  }
  decoded.forEach((args, i) => {
    const frame = frames[i];
    if (frame !== undefined && !sameBytes(frame, encodeCommand(args))) {
      const text = JSON.stringify(latin1.decode(frame.subarray(0, 80)));
      throw new InvariantError(`request ${i}: kept bytes ${text} differ from its encoding`);
    }
  });
}

function scanReplies(pieces: Uint8Array[]): Outcome<Uint8Array> {
  const scanner = new ReplyScanner();
  const items: Uint8Array[] = [];
  for (const piece of pieces) {
    try {
      items.push(...scanner.push(piece));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      expectSameErrorAgain(() => scanner.push(piece), error);
      return { items, error };
    }
  }
  return { items };
}

function expectSameErrorAgain(push: () => unknown, first: ProtocolError): void {
  try {
    push();
  } catch (again) {
    if (again instanceof ProtocolError && again.message === first.message) return;
    throw again;
  }
  throw new InvariantError(`push after "${first.message}" did not throw it again`);
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes.subarray(0, 48), (b) => b.toString(16).padStart(2, "0")).join("");

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compare<T>(
  whole: Outcome<T>,
  split: Outcome<T>,
  same: (a: T, b: T) => boolean,
  what: string,
  prefixOnError = false,
): void {
  if (
    whole.error?.message !== split.error?.message || whole.error?.offset !== split.error?.offset
  ) {
    throw new InvariantError(
      `${what}: error in one chunk "${whole.error?.message}" at ${whole.error?.offset} but ` +
        `in pieces "${split.error?.message}" at ${split.error?.offset}`,
    );
  }
  // ReplyScanner drops the frames of the chunk that fails: with an error, fewer pieces can only
  // deliver more of them.
  const shorter = prefixOnError && whole.error !== undefined;
  if (
    shorter ? whole.items.length > split.items.length : whole.items.length !== split.items.length
  ) {
    throw new InvariantError(
      `${what}: ${whole.items.length} in one chunk but ${split.items.length} in pieces`,
    );
  }
  for (let i = 0; i < whole.items.length; i++) {
    if (!same(whole.items[i], split.items[i])) {
      throw new InvariantError(`${what}: item ${i} differs between one chunk and pieces`);
    }
  }
}

const sameArgs = (a: Uint8Array[], b: Uint8Array[]) =>
  a.length === b.length && a.every((arg, i) => sameBytes(arg, b[i]));

function checkRequests(payload: Uint8Array, rng: Prng): void {
  const limits = limitsFor(rng);
  const whole = decodeRequests([payload.slice()], limits);
  const split = decodeRequests(chunks(rng, payload), limits);
  compare(whole, split, sameArgs, "requests");
  for (const args of whole.items) {
    if (args.length === 0) throw new InvariantError("a request with no arguments");
  }
  // What was decoded must survive encoding and decoding again unchanged.
  if (whole.items.length > 0) {
    const again = decodeRequests(
      [concatChunks(whole.items.map((a) => encodeCommand(a).slice()))],
      {},
    );
    compare({ items: whole.items }, again, sameArgs, "re-encoded requests");
  }
}

function checkReplies(payload: Uint8Array, rng: Prng): void {
  const whole = scanReplies([payload.slice()]);
  const split = scanReplies(chunks(rng, payload));
  compare(whole, split, sameBytes, "replies", true);
  let total = 0;
  for (const frame of whole.items) {
    total += frame.length;
    try {
      decodeReply(frame);
    } catch (error) {
      // Nesting deeper than decodeReply allows is its one documented refusal of a scanned frame.
      if (!(error instanceof ProtocolError && /deep/i.test(error.message))) {
        throw new InvariantError(`scanned frame ${hex(frame)} does not decode: ${error}`);
      }
    }
  }
  if (!sameBytes(concatChunks(whole.items), payload.subarray(0, total))) {
    throw new InvariantError("frames are not the leading bytes of the input");
  }
  // decodeReply on bytes that may be no single reply: a reply or ProtocolError, nothing else.
  try {
    decodeReply(payload);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
}

/** RequestDecoder and ReplyScanner: ProtocolError or results, the same in any chunking. */
export const respTarget: FuzzTarget = {
  name: "resp",
  generate,
  check(input: Uint8Array): void {
    if (input.length === 0) return;
    const rng = Prng.fromBytes(input);
    const payload = input.subarray(1);
    if ((input[0] & 1) === REQUESTS) checkRequests(payload, rng);
    else checkReplies(payload, rng);
  },
};
