/**
 * A bare RESP connection for tests that must see exact frames: pushes, pub/sub confirmations,
 * MONITOR lines, RESP3 types. Frames are returned as latin1 text, byte for byte.
 *
 * @module
 */
import { encodeCommand, ReplyScanner } from "../../lib/resp/mod.ts";

const latin1 = new TextDecoder("latin1");

/** One TCP connection speaking raw RESP. Dispose with `await using`. */
export class RawConnection implements AsyncDisposable {
  #conn: Deno.Conn;
  #scanner = new ReplyScanner();
  #frames: string[] = [];
  #buffer = new Uint8Array(64 * 1024);

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  static async open(port: number): Promise<RawConnection> {
    return new RawConnection(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Writes the commands in one write. */
  async send(...commands: string[][]): Promise<void> {
    const bytes = commands.map((args) => encodeCommand(args));
    let total = 0;
    for (const part of bytes) total += part.length;
    const joined = new Uint8Array(total);
    let at = 0;
    for (const part of bytes) {
      joined.set(part, at);
      at += part.length;
    }
    for (let written = 0; written < joined.length;) {
      written += await this.#conn.write(joined.subarray(written));
    }
  }

  /** Sends the commands and reads one frame per command. */
  async call(...commands: string[][]): Promise<string[]> {
    await this.send(...commands);
    return await this.read(commands.length);
  }

  /** The next `count` frames; rejects if they do not arrive within `timeoutMs`. */
  async read(count = 1, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${count} frames`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const n = await Promise.race([
        this.#conn.read(this.#buffer),
        new Promise<"timeout">((resolve) => timer = setTimeout(() => resolve("timeout"), left)),
      ]).finally(() => clearTimeout(timer));
      if (n === "timeout") continue;
      if (n === null) throw new Error(`connection closed after ${this.#frames.length} frames`);
      for (const frame of this.#scanner.push(this.#buffer.slice(0, n))) {
        this.#frames.push(latin1.decode(frame));
      }
    }
    return this.#frames.splice(0, count);
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
