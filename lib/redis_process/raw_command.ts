import { decodeReply, encodeCommand, type Reply, ReplyScanner } from "../resp/mod.ts";

/**
 * Sends one command over a fresh connection and returns the decoded reply, without any client
 * library: used for readiness checks and by tools that must not depend on the proxy.
 */
export async function rawCommand(
  hostname: string,
  port: number,
  args: string[],
  password?: string,
): Promise<Reply> {
  const conn = await Deno.connect({ hostname, port });
  try {
    const commands = password === undefined ? [args] : [["AUTH", password], args];
    await conn.write(new Uint8Array(commands.flatMap((c) => [...encodeCommand(c)])));
    const scanner = new ReplyScanner();
    const frames: Uint8Array[] = [];
    const buffer = new Uint8Array(65536);
    while (frames.length < commands.length) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error(`connection to ${hostname}:${port} closed before a reply`);
      frames.push(...scanner.push(buffer.slice(0, n)));
    }
    return decodeReply(frames[frames.length - 1]);
  } finally {
    conn.close();
  }
}
