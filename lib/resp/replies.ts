import { concatBytes, encodeError } from "./encoder.ts";

// Fixed reply frames, kept in one place so every sender uses Redis's exact bytes. They are
// shared: write them to sockets, never modify them.

const ascii = (text: string) => new TextEncoder().encode(text);

/** `+OK\r\n` */
export const OK: Uint8Array = ascii("+OK\r\n");
/** `+PONG\r\n` */
export const PONG: Uint8Array = ascii("+PONG\r\n");
/** `+QUEUED\r\n` */
export const QUEUED: Uint8Array = ascii("+QUEUED\r\n");
/** `$-1\r\n`, the RESP2 null bulk string. */
export const NULL_BULK: Uint8Array = ascii("$-1\r\n");
/** `*-1\r\n`, the RESP2 null array. */
export const NULL_ARRAY: Uint8Array = ascii("*-1\r\n");
/** `*0\r\n` */
export const EMPTY_ARRAY: Uint8Array = ascii("*0\r\n");
/** `:0\r\n` */
export const ZERO: Uint8Array = ascii(":0\r\n");
/** `:1\r\n` */
export const ONE: Uint8Array = ascii(":1\r\n");
/** Redis's reply to a command sent before authenticating. */
export const NOAUTH: Uint8Array = ascii("-NOAUTH Authentication required.\r\n");
/** Redis's reply to AUTH with a wrong password or user. */
export const WRONGPASS: Uint8Array = ascii(
  "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
);

// Redis prints the command name with "%.128s" and stops adding arguments once 128 bytes of
// them are shown (server.c, commandCheckExistence).
const SHOWN_BYTES = 128;
const SPACE = 32;
const QUOTE = ascii("'");
const QUOTE_SPACE = ascii("' ");
const CRLF = ascii("\r\n");

/**
 * Redis's reply to a command called with the wrong number of arguments, e.g.
 * `-ERR wrong number of arguments for 'get' command\r\n`.
 *
 * @param command the command name (Redis shows subcommands as `client|setname`)
 */
export function errWrongArgs(command: string): Uint8Array {
  return encodeError(`ERR wrong number of arguments for '${command.toLowerCase()}' command`);
}

/**
 * Redis 7's reply to an unknown command, byte for byte:
 * `-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n`. Like Redis, the name is
 * cut at 128 bytes, arguments are added while fewer than 128 bytes of them are shown (the last
 * one cut to fit), each stops at a NUL byte (C string), and CR/LF become spaces.
 *
 * @param name the command name as the client sent it
 * @param args the whole request as decoded, `args[0]` being the command name itself; the
 * arguments shown are `args[1]` onwards
 */
export function errUnknownCommand(name: string, args: readonly Uint8Array[]): Uint8Array {
  const head = cString(new TextEncoder().encode(name), SHOWN_BYTES);
  const parts: Uint8Array[] = [
    ascii("-ERR unknown command '"),
    head,
    ascii("', with args beginning with: "),
  ];
  let shown = 0;
  for (let i = 1; i < args.length && shown < SHOWN_BYTES; i++) {
    const arg = cString(args[i], SHOWN_BYTES - shown);
    parts.push(QUOTE, arg, QUOTE_SPACE);
    shown += arg.length + 3;
  }
  parts.push(CRLF);
  const frame = concatBytes(parts);
  // The name and arguments come from the client; a line break in them must not end the frame.
  for (let i = 1; i < frame.length - 2; i++) {
    if (frame[i] === 13 || frame[i] === 10) frame[i] = SPACE;
  }
  return frame;
}

// What C's "%.*s" prints of `bytes`: up to the first NUL, at most `max` bytes.
function cString(bytes: Uint8Array, max: number): Uint8Array {
  const nul = bytes.indexOf(0);
  const end = Math.min(nul === -1 ? bytes.length : nul, max);
  return bytes.subarray(0, end);
}
