const CR = 13;
const LF = 10;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function encode(args: readonly string[]): Uint8Array {
  let text = `*${args.length}\r\n`;
  for (const arg of args) text += `$${encoder.encode(arg).length}\r\n${arg}\r\n`;
  return encoder.encode(text);
}

/** Index just past the CRLF of the line starting at `start`, or -1 when it has not arrived. */
function lineEnd(buf: Uint8Array, start: number): number {
  for (let i = start; i + 1 < buf.length; i++) {
    if (buf[i] === CR && buf[i + 1] === LF) return i + 2;
  }
  return -1;
}

/**
 * Index just past the complete reply starting at `start`, or -1 when more bytes are needed.
 * Lengths are byte counts, so this works on bytes rather than decoded text.
 */
export function replyEnd(buf: Uint8Array, start = 0): number {
  const end = lineEnd(buf, start);
  if (end < 0) return -1;
  const type = String.fromCharCode(buf[start]);
  const n = Number(decoder.decode(buf.subarray(start + 1, end - 2)));
  switch (type) {
    case "$":
    case "!":
    case "=": {
      if (n < 0) return end;
      return buf.length >= end + n + 2 ? end + n + 2 : -1;
    }
    case "*":
    case "~":
    case ">":
    case "%":
    case "|": {
      let at = end;
      const elements = type === "%" || type === "|" ? n * 2 : n;
      for (let i = 0; i < elements && at >= 0; i++) at = replyEnd(buf, at);
      return at;
    }
    default:
      // +, -, :, and RESP3's one-line types: the line is the whole reply.
      return end;
  }
}

async function readReply(conn: Deno.Conn, pending: Uint8Array): Promise<[string, Uint8Array]> {
  let buf = pending;
  const chunk = new Uint8Array(16 * 1024);
  while (true) {
    const end = buf.length > 0 ? replyEnd(buf) : -1;
    if (end >= 0) return [decoder.decode(buf.subarray(0, end)), buf.subarray(end)];
    const n = await conn.read(chunk);
    if (n === null) throw new Error("connection closed before a complete reply");
    const grown = new Uint8Array(buf.length + n);
    grown.set(buf);
    grown.set(chunk.subarray(0, n), buf.length);
    buf = grown;
  }
}

/**
 * Sends one command over a fresh connection and returns the raw RESP reply text, e.g.
 * `"+PONG\r\n"` or `"$1\r\nv\r\n"`. It needs no client library, so readiness checks and tests
 * can talk to a server without trusting the code under test. With a password it first sends
 * AUTH and throws when that fails.
 */
export async function rawCommand(
  hostname: string,
  port: number,
  args: string[],
  password?: string,
): Promise<string> {
  const conn = await Deno.connect({ hostname, port });
  try {
    // Pipelined: the server answers in order, so one round trip covers AUTH and the command.
    const auth = password === undefined ? [] : [encode(["AUTH", password])];
    for (const frame of [...auth, encode(args)]) {
      let written = 0;
      while (written < frame.length) written += await conn.write(frame.subarray(written));
    }
    let rest: Uint8Array = new Uint8Array(0);
    if (auth.length > 0) {
      let reply: string;
      [reply, rest] = await readReply(conn, rest);
      if (reply.startsWith("-")) {
        throw new Error(`AUTH on ${hostname}:${port} failed: ${reply.slice(1).trimEnd()}`);
      }
    }
    return (await readReply(conn, rest))[0];
  } finally {
    conn.close();
  }
}
