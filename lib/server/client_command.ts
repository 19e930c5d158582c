import {
  encodeArray,
  encodeBulk,
  encodeError,
  encodeInteger,
  encodeReply,
  errWrongArgs,
  OK,
} from "../resp/mod.ts";
import { bytesToText } from "../util/key_string.ts";

/** What CLIENT knows about one connected client of the proxy. */
export interface ClientView {
  readonly id: number;
  /** The client's address, "host:port". */
  readonly addr: string;
  /** The proxy's side of the connection, "host:port". */
  readonly laddr: string;
  name: string | undefined;
  /** The user the client is logged in as (undefined before AUTH). */
  readonly user: { readonly name: string } | undefined;
  /** The database the client uses, as a number. */
  readonly dbNumber: number;
  readonly protocol: 2 | 3;
  /** performance.now() at connect and when the last command was read. */
  readonly createdAt: number;
  readonly lastCommandAt: number;
  /** Full name of the last command, "get" or "client|list". */
  readonly lastCommand: string;
  /** Redis's flags field: "N", "x" (in MULTI), "P" (subscribed), "O" (MONITOR). */
  readonly flags: string;
  readonly subscriptions: { channels: number; patterns: number; shardChannels: number };
  /** Commands queued in MULTI, -1 outside. */
  readonly multi: number;
  /** CLIENT REPLY: "off" drops every reply, "skip" the next command's. */
  replyMode: "on" | "off" | "skip";
  /** Closes the client's connection once its pending replies are written. */
  kill(): void;
}

/** The proxy's connected clients. */
export interface ClientRegistry {
  clients(): Iterable<ClientView>;
}

const HELP = [
  "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "ID -- Return the ID of the current connection.",
  "INFO -- Return information about the current client connection.",
  "LIST [TYPE <normal|pubsub>] [ID <id> ...] -- Return information about client connections.",
  "KILL <ip:port> | KILL <option> <value> [...] -- Kill connections to the proxy.",
  "GETNAME / SETNAME <name> / SETINFO <attr> <value> -- The connection's name and library.",
  "REPLY <ON|OFF|SKIP> -- Control the replies sent to the current connection.",
  "NO-EVICT / NO-TOUCH <ON|OFF> -- Accepted; the proxy neither evicts clients nor touches keys.",
  "PAUSE / UNPAUSE -- Passed to the destination server.",
  "TRACKING, CACHING, UNBLOCK -- Not supported by remiro.",
];

/** One line of CLIENT LIST / CLIENT INFO, in Redis's field order. */
export function clientInfoLine(client: ClientView, now = performance.now()): string {
  const { channels, patterns, shardChannels } = client.subscriptions;
  const fields: [string, string | number][] = [
    ["id", client.id],
    ["addr", client.addr],
    ["laddr", client.laddr],
    ["fd", -1],
    ["name", client.name ?? ""],
    ["age", Math.floor((now - client.createdAt) / 1000)],
    ["idle", Math.floor((now - client.lastCommandAt) / 1000)],
    ["flags", client.flags],
    ["db", client.dbNumber],
    ["sub", channels],
    ["psub", patterns],
    ["ssub", shardChannels],
    ["multi", client.multi],
    ["qbuf", 0],
    ["qbuf-free", 0],
    ["argv-mem", 0],
    ["multi-mem", 0],
    ["obl", 0],
    ["oll", 0],
    ["omem", 0],
    ["tot-mem", 0],
    ["events", "r"],
    ["cmd", client.lastCommand],
    ["user", client.user?.name ?? "default"],
    ["redir", -1],
    ["resp", client.protocol],
  ];
  return fields.map(([key, value]) => `${key}=${value}`).join(" ") + "\n";
}

function onOff(args: Uint8Array[], sub: string): Uint8Array | boolean {
  if (args.length !== 3) return errWrongArgs(`client|${sub}`);
  const value = bytesToText(args[2]).toLowerCase();
  if (value !== "on" && value !== "off") return encodeError("ERR syntax error");
  return value === "on";
}

function list(registry: ClientRegistry, args: Uint8Array[]): Uint8Array {
  let clients = [...registry.clients()];
  for (let i = 2; i < args.length; i++) {
    const option = bytesToText(args[i]).toLowerCase();
    if (option === "type" && i + 1 < args.length) {
      const type = bytesToText(args[++i]).toLowerCase();
      if (!["normal", "pubsub", "master", "replica", "slave"].includes(type)) {
        return encodeError(`ERR Unknown client type '${type}'`);
      }
      clients = clients.filter((c) =>
        (type === "pubsub") === c.flags.includes("P") &&
        (type === "normal" || type === "pubsub")
      );
    } else if (option === "id" && i + 1 < args.length) {
      const ids = new Set<number>();
      for (i++; i < args.length; i++) {
        const id = Number(bytesToText(args[i]));
        if (!Number.isInteger(id) || id <= 0) return encodeError("ERR Invalid client ID");
        ids.add(id);
      }
      clients = clients.filter((c) => ids.has(c.id));
    } else {
      return encodeError("ERR syntax error");
    }
  }
  const now = performance.now();
  return encodeBulk(clients.map((c) => clientInfoLine(c, now)).join(""));
}

function kill(self: ClientView, registry: ClientRegistry, args: Uint8Array[]): Uint8Array {
  const clients = [...registry.clients()];
  if (args.length === 3) {
    // The old form, CLIENT KILL addr:port: exactly one client, the caller included.
    const addr = bytesToText(args[2]);
    const victim = clients.find((c) => c.addr === addr);
    if (!victim) return encodeError("ERR No such client");
    victim.kill();
    return OK;
  }
  if (args.length % 2 !== 0) return encodeError("ERR syntax error");
  let matching = clients;
  let skipMe = true;
  for (let i = 2; i < args.length; i += 2) {
    const option = bytesToText(args[i]).toLowerCase();
    const value = bytesToText(args[i + 1]);
    switch (option) {
      case "id":
        matching = matching.filter((c) => `${c.id}` === value);
        break;
      case "addr":
        matching = matching.filter((c) => c.addr === value);
        break;
      case "laddr":
        matching = matching.filter((c) => c.laddr === value);
        break;
      case "type":
        matching = matching.filter((c) =>
          (value.toLowerCase() === "pubsub") === c.flags.includes("P")
        );
        break;
      case "user":
        matching = matching.filter((c) => (c.user?.name ?? "default") === value);
        break;
      case "maxage":
        matching = matching.filter((c) => (performance.now() - c.createdAt) / 1000 > Number(value));
        break;
      case "skipme":
        if (value.toLowerCase() !== "yes" && value.toLowerCase() !== "no") {
          return encodeError("ERR syntax error");
        }
        skipMe = value.toLowerCase() === "yes";
        break;
      default:
        return encodeError("ERR syntax error");
    }
  }
  if (skipMe) matching = matching.filter((c) => c !== self);
  for (const client of matching) client.kill();
  return encodeInteger(matching.length);
}

/**
 * Answers `CLIENT <sub> ...` about the client's connection to the proxy, never the proxy's
 * connections upstream, which many clients share. Returns undefined for PAUSE and UNPAUSE,
 * which are about the server and go to the destination.
 */
export function clientCommand(
  self: ClientView,
  registry: ClientRegistry,
  args: Uint8Array[],
): Uint8Array | undefined {
  if (args.length < 2) return errWrongArgs("client");
  const sub = bytesToText(args[1]).toLowerCase();
  switch (sub) {
    case "id":
      return encodeInteger(self.id);
    case "getname":
      return encodeReply(
        self.name === undefined
          ? { type: "null" }
          : { type: "bulk", value: new TextEncoder().encode(self.name) },
        self.protocol,
      );
    case "setname": {
      if (args.length !== 3) return errWrongArgs("client|setname");
      const name = bytesToText(args[2]);
      if (/[^!-~]/.test(name)) {
        return encodeError(
          "ERR Client names cannot contain spaces, newlines or special characters.",
        );
      }
      self.name = name === "" ? undefined : name;
      return OK;
    }
    case "setinfo":
      // Client libraries announce themselves; the proxy accepts and ignores it.
      return args.length === 4 ? OK : errWrongArgs("client|setinfo");
    case "info":
      return encodeBulk(clientInfoLine(self));
    case "list":
      return list(registry, args);
    case "kill":
      return args.length < 3 ? errWrongArgs("client|kill") : kill(self, registry, args);
    case "no-evict":
    case "no-touch": {
      const on = onOff(args, sub);
      return on instanceof Uint8Array ? on : OK;
    }
    case "reply": {
      const mode = args.length === 3 ? bytesToText(args[2]).toLowerCase() : "";
      if (mode !== "on" && mode !== "off" && mode !== "skip") {
        return args.length === 3 ? encodeError("ERR syntax error") : errWrongArgs("client|reply");
      }
      self.replyMode = mode;
      return OK;
    }
    case "getredir":
      return encodeInteger(-1);
    case "trackinginfo":
      return encodeReply({
        type: "map",
        value: [
          [text("flags"), { type: "set", value: [text("off")] }],
          [text("redirect"), { type: "integer", value: -1 }],
          [text("prefixes"), { type: "array", value: [] }],
        ],
      }, self.protocol);
    case "tracking":
    case "caching":
      return encodeError(
        `ERR CLIENT ${sub.toUpperCase()} is not supported by remiro: the proxy reads keys on ` +
          "connections shared by many clients, so the server cannot track one client's reads",
      );
    case "unblock":
      return encodeError("ERR CLIENT UNBLOCK is not supported by remiro");
    case "pause":
    case "unpause":
      return undefined;
    case "help":
      return encodeArray(HELP.map((line) => encodeReply({ type: "simple", value: line }, 2)));
    default:
      return encodeError(`ERR unknown subcommand '${sub}'. Try CLIENT HELP.`);
  }
}

function text(value: string) {
  return { type: "bulk" as const, value: new TextEncoder().encode(value) };
}
