import { ProtocolError } from "../resp/mod.ts";

/**
 * Buffered reads from a connection for protocols that mix lines and raw bytes (a replication
 * handshake, an RDB transfer, then a command stream). Every read returns a fresh buffer, so
 * views into what it returns stay valid.
 */
export class ConnReader {
  #buffer = new Uint8Array(0);
  #pos = 0;

  constructor(readonly conn: Deno.Conn, readonly readSize = 64 * 1024) {}

  /** Bytes already read from the connection and not yet taken. */
  get buffered(): number {
    return this.#buffer.length - this.#pos;
  }

  /** Reads more from the connection; false at end of stream. */
  async fill(): Promise<boolean> {
    const chunk = new Uint8Array(this.readSize);
    const n = await this.conn.read(chunk);
    if (n === null) return false;
    const rest = this.#buffer.subarray(this.#pos);
    if (rest.length === 0) this.#buffer = chunk.subarray(0, n);
    else {
      const joined = new Uint8Array(rest.length + n);
      joined.set(rest);
      joined.set(chunk.subarray(0, n), rest.length);
      this.#buffer = joined;
    }
    this.#pos = 0;
    return true;
  }

  /** The next line without its CRLF (or bare LF). Throws at end of stream. */
  async line(what: string): Promise<string> {
    while (true) {
      const end = this.#buffer.indexOf(10, this.#pos);
      if (end >= 0) {
        const stop = end > this.#pos && this.#buffer[end - 1] === 13 ? end - 1 : end;
        const text = new TextDecoder().decode(this.#buffer.subarray(this.#pos, stop));
        this.#pos = end + 1;
        return text;
      }
      if (this.buffered > 64 * 1024) throw new ProtocolError(`${what}: line too long`);
      if (!(await this.fill())) {
        throw new Deno.errors.UnexpectedEof(`connection closed awaiting ${what}`);
      }
    }
  }

  /** Up to `max` buffered bytes (reading first if none are buffered); empty at end of stream. */
  async take(max: number): Promise<Uint8Array> {
    if (this.buffered === 0 && !(await this.fill())) return new Uint8Array(0);
    const n = Math.min(max, this.buffered);
    const out = this.#buffer.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }
}
