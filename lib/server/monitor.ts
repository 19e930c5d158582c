import { encodeCommand } from "../resp/mod.ts";
import type { UpstreamConnection, UpstreamPool } from "../upstream/mod.ts";
import type { SubscriberHost } from "./subscriber.ts";

/**
 * MONITOR for one client, on a dedicated connection to the primary server: its first frame is
 * the reply to MONITOR, every later one a line of the server's command feed, handed to the
 * client as it arrives. The feed shows what the server runs, including the proxy's own
 * commands (key copies, source deletes) and other clients' commands.
 */
export class Monitor {
  #conn: UpstreamConnection;
  #closed = false;

  private constructor(conn: UpstreamConnection) {
    this.#conn = conn;
  }

  /** Opens the connection, sends MONITOR and resolves with the server's reply to it. */
  static async start(
    pool: UpstreamPool,
    db: number,
    host: SubscriberHost,
  ): Promise<{ monitor: Monitor; reply: Promise<Uint8Array> }> {
    const conn = await pool.acquire(db, 2);
    const monitor = new Monitor(conn);
    let answered: (frame: Uint8Array) => void = () => {};
    const reply = new Promise<Uint8Array>((resolve) => answered = resolve);
    let first = true;
    conn.relay = (frame) => {
      if (first) {
        first = false;
        answered(frame);
      } else {
        host.deliver(frame);
      }
    };
    conn.done.then(() => {
      if (!monitor.#closed) host.lost();
    });
    conn.sendToRelay(encodeCommand(["MONITOR"]));
    return { monitor, reply };
  }

  close(): void {
    this.#closed = true;
    this.#conn.close();
  }
}
