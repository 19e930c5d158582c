import type { GroupConfig, ServerConfig } from "../config/mod.ts";
import { decodeReply, encodeCommand, type Reply } from "../resp/mod.ts";
import { UpstreamConnection } from "../upstream/mod.ts";

/** What the sentinels say about the master they monitor. */
export interface SentinelView {
  master: { host: string; port: number };
  replicas: { host: string; port: number }[];
}

const text = (reply: Reply | undefined) =>
  reply && (reply.type === "bulk" || reply.type === "simple")
    ? (reply.type === "bulk" ? new TextDecoder().decode(reply.value) : reply.value)
    : undefined;

/**
 * Asks Redis Sentinel where the master is (`SENTINEL get-master-addr-by-name`, and
 * `SENTINEL replicas` for reads), trying the sentinels in turn, and listens for
 * `+switch-master` on the one that answered so a failover is followed at once.
 */
export class SentinelWatch {
  #config: GroupConfig;
  #server: ServerConfig;
  #onSwitch: () => void;
  #preferred = 0;
  #events: UpstreamConnection | undefined;
  #closed = false;

  constructor(config: GroupConfig, server: ServerConfig, onSwitch: () => void) {
    this.#config = config;
    this.#server = server;
    this.#onSwitch = onSwitch;
  }

  /** The sentinels' view, or undefined when none answered with a master. */
  async query(timeoutMs: number): Promise<SentinelView | undefined> {
    const sentinels = this.#config.sentinels;
    for (let i = 0; i < sentinels.length && !this.#closed; i++) {
      const index = (this.#preferred + i) % sentinels.length;
      const view = await this.#ask(sentinels[index], timeoutMs).catch(() => undefined);
      if (!view) continue;
      if (index !== this.#preferred || this.#events === undefined) {
        this.#preferred = index;
        this.#listen(sentinels[index], timeoutMs);
      }
      return view;
    }
    return undefined;
  }

  close(): void {
    this.#closed = true;
    this.#events?.close();
  }

  /** A connection to one sentinel, with the sentinels' own password. */
  #connect(sentinel: GroupConfig["sentinels"][number], timeoutMs: number) {
    return UpstreamConnection.open({
      ...sentinel,
      target: this.#server.addrText,
      db: 0,
      password: this.#config.sentinelPassword,
      tls: this.#server.tls,
      connectTimeoutMs: timeoutMs,
    });
  }

  async #ask(sentinel: GroupConfig["sentinels"][number], timeoutMs: number) {
    const conn = await this.#connect(sentinel, timeoutMs);
    try {
      const name = this.#config.masterName!;
      const [master, replicas] = await Promise.all([
        conn.send(encodeCommand(["SENTINEL", "get-master-addr-by-name", name])),
        conn.send(encodeCommand(["SENTINEL", "replicas", name])),
      ]).then((frames) => frames.map((f) => decodeReply(f)));
      if (master.type !== "array" || master.value.length !== 2) return undefined;
      const host = text(master.value[0]);
      const port = Number(text(master.value[1]));
      if (!host || !Number.isInteger(port)) return undefined;
      const view: SentinelView = { master: { host, port }, replicas: [] };
      if (replicas.type === "array") {
        for (const entry of replicas.value) {
          const fields = entryFields(entry);
          const flags = fields.get("flags") ?? "";
          if (/s_down|o_down|disconnected/.test(flags)) continue;
          const ip = fields.get("ip");
          const replicaPort = Number(fields.get("port"));
          if (ip && Number.isInteger(replicaPort)) {
            view.replicas.push({ host: ip, port: replicaPort });
          }
        }
      }
      return view;
    } finally {
      conn.close();
    }
  }

  /** Subscribes to +switch-master on one sentinel; a broken subscription is renewed by query. */
  #listen(sentinel: GroupConfig["sentinels"][number], timeoutMs: number): void {
    this.#events?.close();
    this.#events = undefined;
    this.#connect(sentinel, timeoutMs).then((conn) => {
      if (this.#closed) return conn.close();
      this.#events = conn;
      const name = this.#config.masterName!;
      conn.relay = (frame) => {
        const reply = decodeReply(frame);
        if (reply.type !== "array" && reply.type !== "push") return;
        const [kind, , message] = reply.value.map(text);
        // "+switch-master <name> <old ip> <old port> <new ip> <new port>"
        if (kind === "message" && message?.split(" ")[0] === name) this.#onSwitch();
      };
      conn.sendToRelay(encodeCommand(["SUBSCRIBE", "+switch-master"]));
      conn.done.then(() => {
        if (this.#events === conn) this.#events = undefined;
      });
    }, () => {});
  }
}

/** A `SENTINEL replicas` entry: a flat list of field names and values. */
function entryFields(entry: Reply): Map<string, string> {
  const fields = new Map<string, string>();
  if (entry.type === "array") {
    for (let i = 0; i + 1 < entry.value.length; i += 2) {
      const key = text(entry.value[i]);
      const value = text(entry.value[i + 1]);
      if (key !== undefined && value !== undefined) fields.set(key, value);
    }
  } else if (entry.type === "map") {
    for (const [k, v] of entry.value) {
      const key = text(k);
      const value = text(v);
      if (key !== undefined && value !== undefined) fields.set(key, value);
    }
  }
  return fields;
}
