/**
 * A TCP server that misbehaves like a broken Redis: it accepts and never answers, or answers
 * garbage. Only on the loopback address.
 *
 * @module
 */

/** What the server does with the bytes of each connection; undefined: never answer. */
export type FakeReply = ((request: Uint8Array) => Uint8Array | undefined) | undefined;

/** A listening fake upstream. Dispose with `await using`. */
export class FakeServer implements AsyncDisposable {
  /** Connections accepted so far. */
  accepted = 0;
  /** Connections the other side (the proxy) has closed. */
  closedByPeer = 0;
  #conns = new Set<Deno.Conn>();
  #loop: Promise<void>;

  private constructor(private readonly listener: Deno.Listener, reply: FakeReply) {
    this.#loop = this.#accept(reply);
  }

  static start(reply: FakeReply = undefined): FakeServer {
    return new FakeServer(Deno.listen({ hostname: "127.0.0.1", port: 0 }), reply);
  }

  get port(): number {
    return (this.listener.addr as Deno.NetAddr).port;
  }

  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  async #accept(reply: FakeReply): Promise<void> {
    for await (const conn of this.listener) {
      this.accepted++;
      this.#conns.add(conn);
      this.#serve(conn, reply);
    }
  }

  async #serve(conn: Deno.Conn, reply: FakeReply): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) {
          this.closedByPeer++;
          break;
        }
        const answer = reply?.(buffer.subarray(0, n));
        if (answer !== undefined) await conn.write(answer);
      }
    } catch {
      this.closedByPeer++;
    } finally {
      this.#conns.delete(conn);
      try {
        conn.close();
      } catch {
        // closed already
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.listener.close();
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // closed already
      }
    }
    await this.#loop.catch(() => {});
  }
}
