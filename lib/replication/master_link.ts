import { encodeCommand } from "../resp/mod.ts";
import { connectTls, type TlsOptions } from "../upstream/mod.ts";
import { ConnReader } from "./conn_reader.ts";
import { type StreamCommand, StreamDecoder } from "./stream_decoder.ts";

/** What a {@link MasterLink} reports, in order: a snapshot or a continuation, then commands. */
export interface MasterLinkEvents {
  /** +FULLRESYNC: the master's snapshot follows as rdbChunk calls, then rdbEnd. */
  fullSync(replid: string, offset: number): void;
  rdbChunk(chunk: Uint8Array): void;
  rdbEnd(): void;
  /** +CONTINUE: the stream resumes right after the offset asked for. */
  continued(replid: string): void;
  /** Stream commands; `offset` is the master offset just after the last of them. */
  commands(commands: StreamCommand[], offset: number): void;
}

export interface MasterLinkOptions {
  hostname: string;
  port: number;
  username?: string;
  password?: string;
  /** Announced with REPLCONF listening-port (the master lists it in INFO replication). */
  listeningPort: number;
  /** Connect with TLS. */
  tls?: TlsOptions;
  /** Where to resume (PSYNC replid offset+1); without it the link asks for a full sync. */
  resume?: { replid: string; offset: number };
  ackIntervalMs?: number;
  events: MasterLinkEvents;
}

/** The master answered the handshake with an error or something unexpected. */
export class ReplicationHandshakeError extends Error {
  override name = "ReplicationHandshakeError";
}

const EOF_MARK_LENGTH = 40;

/**
 * One replication connection to a master, as a Redis replica makes it: PING, AUTH,
 * REPLCONF listening-port and capa eof/psync2, PSYNC; then a snapshot in either transfer form
 * (`$<length>` from disk or `$EOF:<mark>` diskless, with newline keep-alives before it) or a
 * continuation; then the command stream, acknowledging every second and answering
 * `REPLCONF GETACK` with the offset consumed. {@link run} lasts as long as the connection.
 */
export class MasterLink {
  /** The master's replication ID (after the handshake). */
  replid = "";
  /** Master offset consumed so far: everything up to here was handed to the events. */
  offset = -1;
  /** Whether the snapshot (or continuation) is done and commands are flowing. */
  streaming = false;
  #conn: Deno.Conn | undefined;
  #closed = false;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(readonly options: MasterLinkOptions) {}

  #paused: Promise<void> | undefined;
  #unpause: (() => void) | undefined;

  /**
   * Stops consuming (the master buffers) until {@link resume}: while a second link's snapshot
   * is lined up with this stream, or while a consumer catches up with what it was handed.
   */
  pause(): void {
    this.#paused ??= new Promise((resolve) => (this.#unpause = resolve));
  }

  resume(): void {
    this.#unpause?.();
    this.#paused = undefined;
    this.#unpause = undefined;
  }

  close(): void {
    this.resume();
    this.#closed = true;
    try {
      this.#conn?.close();
    } catch { /* already closed */ }
  }

  /** Connects and replicates until the connection ends (resolves) or fails (rejects). */
  async run(): Promise<void> {
    const { options } = this;
    const address = { hostname: options.hostname, port: options.port };
    const conn: Deno.Conn = options.tls
      ? await connectTls(address, options.tls)
      : await Deno.connect(address);
    this.#conn = conn;
    if (this.#closed) conn.close();
    if (!options.tls) (conn as Deno.TcpConn).setNoDelay(true);
    const reader = new ConnReader(conn, 256 * 1024);
    let ackTimer: ReturnType<typeof setInterval> | undefined;
    try {
      await this.#handshake(reader);
      ackTimer = setInterval(() => this.#ack(), options.ackIntervalMs ?? 1000);
      await this.#stream(reader);
    } finally {
      clearInterval(ackTimer);
      this.close();
    }
  }

  #send(args: string[]): Promise<unknown> {
    const frame = encodeCommand(args).slice();
    this.#writes = this.#writes.then(async () => {
      for (let at = 0; at < frame.length;) at += await this.#conn!.write(frame.subarray(at));
    }).catch(() => {});
    return this.#writes;
  }

  #ack(): void {
    if (this.streaming && !this.#closed) this.#send(["REPLCONF", "ACK", String(this.offset)]);
  }

  async #call(reader: ConnReader, args: string[]): Promise<string> {
    await this.#send(args);
    return await reader.line(`the reply to ${args[0]}`);
  }

  async #handshake(reader: ConnReader): Promise<void> {
    const { options } = this;
    const pong = await this.#call(reader, ["PING"]);
    if (!pong.startsWith("+") && !pong.startsWith("-NOAUTH")) {
      throw new ReplicationHandshakeError(`master answered PING with ${pong}`);
    }
    if (options.password !== undefined) {
      const auth = options.username === undefined
        ? ["AUTH", options.password]
        : ["AUTH", options.username, options.password];
      const reply = await this.#call(reader, auth);
      if (reply !== "+OK") throw new ReplicationHandshakeError(`AUTH failed: ${reply}`);
    }
    for (
      const args of [["REPLCONF", "listening-port", String(options.listeningPort)], [
        "REPLCONF",
        "capa",
        "eof",
        "capa",
        "psync2",
      ]]
    ) {
      const reply = await this.#call(reader, args);
      if (reply !== "+OK") {
        throw new ReplicationHandshakeError(`${args.join(" ")} failed: ${reply}`);
      }
    }
    const resume = options.resume;
    const psync = resume
      ? ["PSYNC", resume.replid, String(resume.offset + 1)]
      : ["PSYNC", "?", "-1"];
    let reply = await this.#call(reader, psync);
    // A master delaying its snapshot (diskless sync delay) sends empty lines until it starts.
    while (reply === "") reply = await reader.line("the PSYNC reply");
    const full = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$/.exec(reply);
    if (full) {
      this.replid = full[1];
      this.offset = Number(full[2]);
      options.events.fullSync(this.replid, this.offset);
      await this.#snapshot(reader);
    } else if (resume && /^\+CONTINUE( [0-9a-f]{40})?$/.test(reply)) {
      this.replid = reply.length > 9 ? reply.slice(10) : resume.replid;
      this.offset = resume.offset;
      options.events.continued(this.replid);
    } else {
      throw new ReplicationHandshakeError(`master answered ${psync.join(" ")} with ${reply}`);
    }
    this.streaming = true;
    this.#ack();
  }

  async #snapshot(reader: ConnReader): Promise<void> {
    const { events } = this.options;
    let header = "";
    while (header === "") header = await reader.line("the snapshot header"); // keep-alives
    if (header.startsWith("$EOF:")) {
      const mark = new TextEncoder().encode(header.slice(5));
      if (mark.length !== EOF_MARK_LENGTH) {
        throw new ReplicationHandshakeError(`bad EOF mark ${header}`);
      }
      await this.#diskless(reader, mark);
    } else if (/^\$\d+$/.test(header)) {
      let remaining = Number(header.slice(1));
      while (remaining > 0) {
        if (this.#paused) await this.#paused;
        const chunk = await reader.take(remaining);
        if (chunk.length === 0) {
          throw new Deno.errors.UnexpectedEof("master closed during the snapshot");
        }
        events.rdbChunk(chunk);
        remaining -= chunk.length;
      }
    } else {
      throw new ReplicationHandshakeError(`unexpected snapshot header ${JSON.stringify(header)}`);
    }
    events.rdbEnd();
  }

  /** A diskless transfer ends with the mark; the last 40 bytes are held back until it is seen. */
  async #diskless(reader: ConnReader, mark: Uint8Array): Promise<void> {
    let tail = new Uint8Array(0);
    while (true) {
      if (this.#paused) await this.#paused;
      const chunk = await reader.take(1 << 20);
      if (chunk.length === 0) {
        throw new Deno.errors.UnexpectedEof("master closed during the snapshot");
      }
      const joined = new Uint8Array(tail.length + chunk.length);
      joined.set(tail);
      joined.set(chunk, tail.length);
      const keep = Math.max(0, joined.length - EOF_MARK_LENGTH);
      if (keep > 0) this.options.events.rdbChunk(joined.subarray(0, keep));
      tail = joined.slice(keep);
      if (tail.length === EOF_MARK_LENGTH && tail.every((b, i) => b === mark[i])) return;
    }
  }

  async #stream(reader: ConnReader): Promise<void> {
    const decoder = new StreamDecoder();
    while (!this.#closed) {
      if (this.#paused) await this.#paused;
      const chunk = await reader.take(1 << 20);
      if (chunk.length === 0) return;
      const commands = decoder.push(chunk);
      let start = 0;
      for (let i = 0; i < commands.length; i++) {
        const command = commands[i];
        if (!isGetAck(command.args)) continue;
        this.#handOver(commands.slice(start, i));
        this.#send(["REPLCONF", "ACK", String(this.offset)]);
        this.offset += command.bytes;
        start = i + 1;
      }
      this.#handOver(commands.slice(start));
    }
  }

  #handOver(commands: StreamCommand[]): void {
    if (commands.length === 0) return;
    for (const command of commands) this.offset += command.bytes;
    this.options.events.commands(commands, this.offset);
  }
}

const GETACK = new TextEncoder().encode("getack");

function isGetAck(args: Uint8Array[]): boolean {
  if (args.length !== 3 || args[0].length !== 8 || args[1].length !== 6) return false;
  const name = new TextDecoder().decode(args[0]).toLowerCase();
  return name === "replconf" && args[1].every((b, i) => (b | 0x20) === GETACK[i]);
}
