import type { CommandSpec } from "../commands/mod.ts";
import {
  concatBytes,
  encodeError,
  encodeReply,
  errUnknownCommand,
  errWrongArgs,
  type Reply,
} from "../resp/mod.ts";
import { checkArity } from "../commands/mod.ts";
import { bytesToText } from "../util/key_string.ts";
import { SUBSCRIBE_COMMANDS } from "./subscriber.ts";

/** What a RESP2 client may send while subscribed, as Redis allows it. */
export const SUBSCRIBED_MODE_COMMANDS: ReadonlySet<string> = new Set([
  ...SUBSCRIBE_COMMANDS,
  "ping",
  "quit",
  "reset",
]);

/** RESET's reply. */
export const RESET_REPLY: Uint8Array = new TextEncoder().encode("+RESET\r\n");

/**
 * Redis's reply to a command a subscribed RESP2 client may not send; unknown commands and
 * wrong arities are reported first, as Redis checks them first.
 */
export function notInSubscribedContext(
  spec: CommandSpec | undefined,
  args: Uint8Array[],
): Uint8Array {
  if (!spec) return errUnknownCommand(bytesToText(args[0]), args);
  if (!checkArity(spec, args.length)) return errWrongArgs(spec.name);
  return encodeError(
    `ERR Can't execute '${spec.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / ` +
      "RESET are allowed in this context",
  );
}

/** PING from a subscribed RESP2 client: `["pong", message]`. */
export function subscribedPing(args: Uint8Array[]): Uint8Array {
  if (args.length > 2) return errWrongArgs("ping");
  const message = args[1] ?? new Uint8Array();
  return encodeReply({
    type: "array",
    value: [{ type: "bulk", value: new TextEncoder().encode("pong") }, {
      type: "bulk",
      value: message,
    }],
  }, 2);
}

/**
 * What Redis answers to an unsubscribe from a client that subscribed to nothing: one
 * confirmation per name given (or one with a null name), each with a count of 0.
 */
export function unsubscribedReply(name: string, args: Uint8Array[], protocol: 2 | 3): Uint8Array {
  const kind: Reply = { type: "bulk", value: new TextEncoder().encode(name) };
  const zero: Reply = { type: "integer", value: 0 };
  const channels: Reply[] = args.length > 1
    ? args.slice(1).map((value) => ({ type: "bulk", value }))
    : [{ type: "null" }];
  const type = protocol === 3 ? "push" : "array";
  return concatBytes(
    channels.map((channel) => encodeReply({ type, value: [kind, channel, zero] }, protocol)),
  );
}
