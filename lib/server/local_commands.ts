import {
  encodeBulk,
  encodeError,
  encodeReply,
  errWrongArgs,
  OK,
  PONG,
  type Reply,
} from "../resp/mod.ts";
import type { AclUser } from "../acl/mod.ts";
import { lowerAsciiString } from "../commands/mod.ts";
import { bytesToText } from "../util/key_string.ts";
import type { Credentials } from "./credentials.ts";

/** Per-client state that commands answered by the proxy read and change. */
export interface ClientState {
  readonly id: number;
  db: number;
  /** RESP version of the client's replies, changed by HELLO. */
  protocol: 2 | 3;
  name: string | undefined;
  /** The user the client is logged in as; undefined until it authenticates. */
  user: AclUser | undefined;
  /** The client's host (its address without the port), which failed AUTHs are counted by. */
  readonly host: string;
  /** Set by QUIT: reply, flush, close. */
  quitting: boolean;
  readonly credentials: Credentials;
  /** Checks that database `db` exists upstream; resolves with an error frame if not. */
  checkDb(db: number): Promise<Uint8Array | undefined>;
}

type LocalHandler = (
  state: ClientState,
  args: Uint8Array[],
) => Uint8Array | Promise<Uint8Array> | undefined;

/** The version the proxy reports in HELLO; clients use it to pick features. */
export const REPORTED_REDIS_VERSION = "7.0.0";

/** Commands allowed before AUTH when the proxy has a password. */
export const NO_AUTH_COMMANDS: ReadonlySet<string> = new Set(["auth", "hello", "quit", "ping"]);

/** Logs the client in; undefined on success, else the error to reply (it stays who it was). */
function logIn(
  state: ClientState,
  username: Uint8Array | undefined,
  password: Uint8Array,
): Uint8Array | undefined {
  const result = state.credentials.login(state.host, username, password);
  if (result instanceof Uint8Array) return result;
  state.user = result;
  return undefined;
}

function auth(state: ClientState, args: Uint8Array[]): Uint8Array {
  if (args.length < 2 || args.length > 3) return errWrongArgs("auth");
  if (args.length === 2 && state.credentials.users.defaultUser.nopass) {
    return encodeError(
      "ERR AUTH <password> called without any password configured for the default user. " +
        "Are you sure your configuration is correct?",
    );
  }
  const [username, password] = args.length === 3 ? [args[1], args[2]] : [undefined, args[1]];
  return logIn(state, username, password) ?? OK;
}

/** ACL WHOAMI names the proxy's user; other ACL subcommands go upstream. */
function acl(state: ClientState, args: Uint8Array[]): Uint8Array | undefined {
  if (args.length !== 2 || lowerAsciiString(args[1]) !== "whoami") return undefined;
  return encodeBulk(encoder.encode(state.user?.name ?? "default"));
}

function ping(_state: ClientState, args: Uint8Array[]): Uint8Array {
  if (args.length > 2) return errWrongArgs("ping");
  return args.length === 2 ? encodeBulk(args[1]) : PONG;
}

function quit(state: ClientState): Uint8Array {
  state.quitting = true;
  return OK;
}

function hello(state: ClientState, args: Uint8Array[]): Uint8Array {
  let i = 1;
  let protocol = state.protocol;
  if (args.length > 1) {
    const version = Number(bytesToText(args[1]));
    if (!Number.isInteger(version)) {
      return encodeError("ERR Protocol version is not an integer or out of range");
    }
    if (version !== 2 && version !== 3) {
      return encodeError("NOPROTO sorry, this protocol version is not supported");
    }
    protocol = version;
    i = 2;
  }
  let name: string | undefined;
  for (; i < args.length; i++) {
    const option = bytesToText(args[i]).toLowerCase();
    if (option === "auth" && i + 2 < args.length) {
      const refused = logIn(state, args[i + 1], args[i + 2]);
      if (refused) return refused;
      i += 2;
    } else if (option === "setname" && i + 1 < args.length) {
      name = bytesToText(args[++i]);
    } else {
      return encodeError(`ERR Syntax error in HELLO option '${option}'`);
    }
  }
  if (!state.user) {
    return encodeError(
      "NOAUTH HELLO must be called with the client already authenticated, otherwise the " +
        "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and " +
        "select the RESP protocol version at the same time",
    );
  }
  if (name !== undefined) state.name = name;
  state.protocol = protocol;
  const text = (value: string): Reply => ({ type: "bulk", value: encoder.encode(value) });
  const fields: [string, Reply][] = [
    ["server", text("redis")],
    ["version", text(REPORTED_REDIS_VERSION)],
    ["proto", { type: "integer", value: protocol }],
    ["id", { type: "integer", value: state.id }],
    ["mode", text("standalone")],
    ["role", text("master")],
    ["modules", { type: "array", value: [] }],
  ];
  return encodeReply(
    { type: "map", value: fields.map(([key, value]) => [text(key), value]) },
    protocol,
  );
}

const encoder = new TextEncoder();

async function select(state: ClientState, args: Uint8Array[]): Promise<Uint8Array> {
  if (args.length !== 2) return errWrongArgs("select");
  const text = bytesToText(args[1]);
  const db = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(db)) {
    return encodeError("ERR value is not an integer or out of range");
  }
  if (db < 0) return encodeError("ERR DB index is out of range");
  const refused = await state.checkDb(db);
  if (refused) return refused;
  state.db = db;
  return OK;
}

const HANDLERS = new Map<string, LocalHandler>([
  ["auth", auth],
  ["ping", ping],
  ["quit", quit],
  ["hello", hello],
  ["select", select],
  ["acl", acl],
]);

/**
 * Answers the commands that are about the client's connection to the proxy rather than about
 * data. Returns undefined for commands that go upstream.
 */
export function answerLocally(
  state: ClientState,
  name: string,
  args: Uint8Array[],
): Uint8Array | Promise<Uint8Array> | undefined {
  return HANDLERS.get(name)?.(state, args);
}
