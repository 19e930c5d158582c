import { encodeCommand, errorMessage, ReplyScanner } from "../resp/mod.ts";

/**
 * Sends commands pipelined over a fresh connection and returns their reply frames, without a
 * client library: for readiness checks, tools and tests that must not depend on the proxy.
 *
 * @example
 * ```ts ignore
 * const [pong] = await sendCommands("127.0.0.1", 6379, [["PING"]]);
 * ```
 */
export async function sendCommands(
  hostname: string,
  port: number,
  commands: readonly (readonly (string | Uint8Array)[])[],
): Promise<Uint8Array[]> {
  const conn = await Deno.connect({ hostname, port });
  try {
    for (const command of commands) {
      const frame = encodeCommand(command);
      let written = 0;
      while (written < frame.length) written += await conn.write(frame.subarray(written));
    }
    const scanner = new ReplyScanner();
    const frames: Uint8Array[] = [];
    const buffer = new Uint8Array(64 * 1024);
    while (frames.length < commands.length) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error(`connection to ${hostname}:${port} closed before a reply`);
      frames.push(...scanner.push(buffer.slice(0, n)));
    }
    return frames;
  } finally {
    conn.close();
  }
}

/**
 * Sends one command (after AUTH when a password is given) and returns its raw reply as text,
 * e.g. "+PONG\r\n". Throws when AUTH fails.
 */
export async function rawCommand(
  hostname: string,
  port: number,
  args: readonly string[],
  password?: string,
): Promise<string> {
  const commands = password === undefined ? [args] : [["AUTH", password], args];
  const frames = await sendCommands(hostname, port, commands);
  if (password !== undefined) {
    const refused = errorMessage(frames[0]);
    if (refused !== undefined) throw new Error(`AUTH on ${hostname}:${port} failed: ${refused}`);
  }
  return new TextDecoder().decode(frames[frames.length - 1]);
}
