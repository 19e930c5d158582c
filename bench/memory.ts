import { encodeCommand, ReplyScanner } from "../lib/resp/mod.ts";
import type { RemiroProcess } from "./remiro_process.ts";

const MB = 1024 * 1024;

async function exchange(conn: Deno.Conn, request: Uint8Array): Promise<number> {
  let written = 0;
  while (written < request.length) written += await conn.write(request.subarray(written));
  const scanner = new ReplyScanner();
  const buffer = new Uint8Array(1 << 20);
  let received = 0;
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("connection closed before the reply");
    received += n;
    if (scanner.push(buffer.slice(0, n)).length > 0) return received;
  }
}

/** RSS growth for `count` connected clients that each said PING once and then stay idle. */
export async function idleConnections(
  remiro: RemiroProcess,
  count: number,
): Promise<{ count: number; rssBefore: number; rssAfter: number; bytesPerConnection: number }> {
  const before = (await remiro.memory()).rss;
  const conns: Deno.Conn[] = [];
  const ping = encodeCommand(["PING"]);
  try {
    for (let i = 0; i < count; i += 500) {
      const batch = await Promise.all(
        Array.from(
          { length: Math.min(500, count - i) },
          () => Deno.connect({ hostname: "127.0.0.1", port: remiro.port }),
        ),
      );
      conns.push(...batch);
      await Promise.all(batch.map((conn) => exchange(conn, ping)));
    }
    const after = (await remiro.memory()).rss;
    return {
      count,
      rssBefore: before,
      rssAfter: after,
      bytesPerConnection: Math.round((after - before) / count),
    };
  } finally {
    for (const conn of conns) conn.close();
  }
}

/**
 * Peak RSS growth while one client SETs and then GETs a value of `sizeMb` through Remiro. Run it
 * on a fresh process: the peak (VmHWM) covers the process's whole life.
 */
export async function bigValue(
  remiro: RemiroProcess,
  sizeMb: number,
): Promise<{ valueBytes: number; rssBefore: number; peak: number; peakOverValue: number }> {
  const before = (await remiro.memory()).rss;
  const value = new Uint8Array(sizeMb * MB).fill(120);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: remiro.port });
  try {
    await exchange(conn, encodeCommand(["SET", "bench:big", value]));
    const received = await exchange(conn, encodeCommand(["GET", "bench:big"]));
    if (received < value.length) throw new Error(`GET returned ${received} bytes`);
    await exchange(conn, encodeCommand(["DEL", "bench:big"]));
  } finally {
    conn.close();
  }
  const { peak } = await remiro.memory();
  return {
    valueBytes: value.length,
    rssBefore: before,
    peak,
    peakOverValue: Number(((peak - before) / value.length).toFixed(2)),
  };
}
