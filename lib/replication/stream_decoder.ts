import { ProtocolError } from "../resp/mod.ts";

/** One command of a replication stream and the bytes it took, for offset accounting. */
export interface StreamCommand {
  args: Uint8Array[];
  /** The command as it was in the stream (a view; stays valid). */
  raw: Uint8Array;
  /** Its encoded length in the stream. */
  bytes: number;
}

const CR = 13;
const LF = 10;

/**
 * Splits a master's replication stream into commands (RESP multibulk of bulk strings), keeping
 * each command's bytes: offsets are acknowledged and checkpointed in stream bytes. Bare
 * newlines (keep-alives) come out as commands with no arguments. Pushed chunks must not be
 * reused by the caller: commands are views into them.
 */
export class StreamDecoder {
  #buffer = new Uint8Array(0);
  #offset = 0;

  /** Offset of the next undecoded byte within the stream fed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes received but not yet part of a whole command. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /**
   * Appends `chunk` and returns the commands it completes. Keep-alive newlines are returned
   * as commands with no args so their bytes are counted.
   */
  push(chunk: Uint8Array): StreamCommand[] {
    let data: Uint8Array;
    if (this.#buffer.length === 0) data = chunk;
    else {
      data = new Uint8Array(this.#buffer.length + chunk.length);
      data.set(this.#buffer);
      data.set(chunk, this.#buffer.length);
    }
    const out: StreamCommand[] = [];
    let pos = 0;
    while (pos < data.length) {
      const end = this.#command(data, pos, out);
      if (end < 0) break;
      this.#offset += end - pos;
      pos = end;
    }
    this.#buffer = pos === data.length ? new Uint8Array(0) : data.slice(pos);
    return out;
  }

  /** Parses one item at `pos`; returns its end, or -1 when incomplete. */
  #command(data: Uint8Array, pos: number, out: StreamCommand[]): number {
    if (data[pos] === LF) {
      out.push({ args: [], raw: data.subarray(pos, pos + 1), bytes: 1 });
      return pos + 1;
    }
    if (data[pos] !== 0x2a /* * */) {
      throw new ProtocolError(
        `replication stream: expected '*' but got 0x${data[pos].toString(16)}`,
        this.#offset,
      );
    }
    const header = readLine(data, pos + 1);
    if (!header) return -1;
    const count = header.value;
    let p = header.next;
    const args: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      if (p >= data.length) return -1;
      if (data[p] !== 0x24 /* $ */) {
        throw new ProtocolError("replication stream: expected a bulk string", this.#offset);
      }
      const length = readLine(data, p + 1);
      if (!length) return -1;
      const start = length.next;
      if (start + length.value + 2 > data.length) return -1;
      args.push(data.subarray(start, start + length.value));
      p = start + length.value + 2;
    }
    out.push({ args, raw: data.subarray(pos, p), bytes: p - pos });
    return p;
  }
}

function readLine(data: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let p = pos; p < data.length; p++) {
    const c = data[p];
    if (c === CR) {
      if (p + 1 >= data.length) return undefined;
      if (data[p + 1] !== LF) throw new ProtocolError("replication stream: bad line end", pos);
      return { value, next: p + 2 };
    }
    if (c < 0x30 || c > 0x39) throw new ProtocolError("replication stream: bad length", pos);
    value = value * 10 + (c - 0x30);
    if (value > 2 ** 40) throw new ProtocolError("replication stream: length too large", pos);
  }
  return undefined;
}
