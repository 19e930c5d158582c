// Fixed reply frames, in one place.
const encode = (text: string) => new TextEncoder().encode(text);

export const OK = encode("+OK\r\n");
export const PONG = encode("+PONG\r\n");
export const QUEUED = encode("+QUEUED\r\n");
export const NULL_BULK = encode("$-1\r\n");
export const NULL_ARRAY = encode("*-1\r\n");
export const EMPTY_ARRAY = encode("*0\r\n");
export const ZERO = encode(":0\r\n");
export const ONE = encode(":1\r\n");
export const NOAUTH = encode("-NOAUTH Authentication required.\r\n");
export const WRONGPASS = encode(
  "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
);

/** Redis's reply to a command with the wrong number of arguments. */
export function errWrongArgs(command: string): Uint8Array {
  return encode(`-ERR wrong number of arguments for '${command.toLowerCase()}' command\r\n`);
}

/** Redis 7's reply to an unknown command, quoting the start of its arguments. */
export function errUnknownCommand(name: string, args: readonly Uint8Array[]): Uint8Array {
  const decoder = new TextDecoder();
  let quoted = "";
  for (const arg of args.slice(1)) {
    if (quoted.length >= 128) break;
    quoted += `'${decoder.decode(arg).slice(0, 128 - quoted.length).replace(/[\r\n]/g, " ")}' `;
  }
  const shown = name.slice(0, 128).replace(/[\r\n]/g, " ");
  return encode(`-ERR unknown command '${shown}', with args beginning with: ${quoted}\r\n`);
}
