import { freePort } from "./free_port.ts";
import { rawCommand } from "./raw_command.ts";

/** Options of {@linkcode RedisServer.start}. */
export interface RedisServerOptions {
  /** Defaults to a free port. */
  port?: number;
  /** Sets `--requirepass`. */
  password?: string;
  /** Extra redis-server arguments, e.g. `["--maxmemory", "10mb"]`. */
  args?: string[];
  /** Defaults to `"redis-server"`. */
  binary?: string;
  /** An RDB file the server loads at start-up (written to its directory as dump.rdb). */
  rdb?: Uint8Array;
}

/** What to tell a user who has no redis-server. */
export const REDIS_INSTALL_HINT =
  "redis-server not found. Install it with: sudo apt-get install -y redis-server " +
  "(Debian/Ubuntu), brew install redis (macOS)";

const OUTPUT_KEPT = 64 * 1024;
const START_DEADLINE_MS = 10_000;
const PORT_ATTEMPTS = 5;
const KILL_AFTER_MS = 5_000;
const POLL_MS = 20;

/** True when `redis-server --version` runs. */
export async function redisServerAvailable(binary = "redis-server"): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(binary, {
      args: ["--version"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A throwaway redis-server on 127.0.0.1 without persistence, in its own temporary directory.
 *
 * @example
 * ```ts ignore
 * await using redis = await RedisServer.start();
 * console.log(redis.addr);
 * ```
 */
export class RedisServer implements AsyncDisposable {
  /** Always the loopback address: test servers must not be reachable from elsewhere. */
  readonly hostname = "127.0.0.1";
  /** Stays the same across {@linkcode RedisServer.restart}. */
  readonly port: number;
  #options: RedisServerOptions;
  #process: Deno.ChildProcess | undefined;
  #exited = false;
  #dir: string | undefined;
  #output = "";
  #outputDone: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;

  private constructor(port: number, options: RedisServerOptions) {
    this.port = port;
    this.#options = options;
  }

  /**
   * Starts redis-server and resolves once it answers PING. Throws with redis-server's output
   * when it exits or does not answer within 10 s.
   */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    if (options.port !== undefined) {
      const server = new RedisServer(options.port, options);
      await server.#launch();
      return server;
    }
    // A port found free can be taken (by any process's outgoing connection) before
    // redis-server binds it; with tests running in parallel that happens. Try another one.
    for (let attempt = 1;; attempt++) {
      const server = new RedisServer(freePort(), options);
      try {
        await server.#launch();
        return server;
      } catch (error) {
        if (attempt >= PORT_ATTEMPTS || !server.output.includes("Address already in use")) {
          throw error;
        }
      }
    }
  }

  /** `"127.0.0.1:PORT"`. */
  get addr(): string {
    return `${this.hostname}:${this.port}`;
  }

  /** What redis-server printed (the last 64 KiB), for error messages. */
  get output(): string {
    return this.#output;
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its directory; idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  /** Kills the server at once (SIGKILL, as a crash would), then cleans up like stop. */
  kill(): Promise<void> {
    try {
      this.#process?.kill("SIGKILL");
    } catch {
      // It has already exited.
    }
    return this.stop();
  }

  /** Sends a signal: SIGSTOP freezes the server as a hung host would, SIGCONT resumes it. */
  signal(signal: "SIGSTOP" | "SIGCONT"): void {
    this.#process?.kill(signal);
  }

  /** Stops the server and starts a new, empty one on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#launch();
  }

  /** Same as {@linkcode RedisServer.stop}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #launch(): Promise<void> {
    this.#stopping = undefined;
    this.#output = "";
    this.#exited = false;
    this.#dir = await Deno.makeTempDir({ prefix: "remiro-redis-" });
    if (this.#options.rdb) await Deno.writeFile(`${this.#dir}/dump.rdb`, this.#options.rdb);
    const args = [
      ...["--port", `${this.port}`, "--bind", this.hostname],
      ...["--save", "", "--appendonly", "no", "--dir", this.#dir],
      ...(this.#options.password === undefined ? [] : ["--requirepass", this.#options.password]),
      ...(this.#options.args ?? []),
    ];
    let process: Deno.ChildProcess;
    try {
      process = new Deno.Command(this.#options.binary ?? "redis-server", {
        args,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      await this.stop();
      if (error instanceof Deno.errors.NotFound) throw new Error(REDIS_INSTALL_HINT);
      throw error;
    }
    this.#process = process;
    this.#outputDone = Promise.all([this.#keep(process.stdout), this.#keep(process.stderr)])
      .then(() => {});
    process.status.then(() => this.#exited = true);

    const deadline = Date.now() + START_DEADLINE_MS;
    while (true) {
      if (await this.#answers(process.pid)) return;
      if (this.#exited || Date.now() > deadline) {
        const what = this.#exited ? "exited at start" : "did not answer PING within 10 s";
        await this.stop();
        throw new Error(`redis-server on port ${this.port} ${what}:\n${this.#output}`);
      }
      await delay(POLL_MS);
    }
  }

  async #shutdown(): Promise<void> {
    const process = this.#process;
    this.#process = undefined;
    if (process) {
      try {
        process.kill("SIGTERM");
      } catch {
        // It has already exited.
      }
      const timer = setTimeout(() => {
        try {
          process.kill("SIGKILL");
        } catch {
          // It exited in the meantime.
        }
      }, KILL_AFTER_MS);
      await process.status;
      clearTimeout(timer);
      await this.#outputDone;
    }
    if (this.#dir !== undefined) {
      await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
      this.#dir = undefined;
    }
  }

  async #answers(pid: number): Promise<boolean> {
    try {
      // Without AUTH: a server with a password answers -NOAUTH, which proves it is up too.
      const reply = await rawCommand(this.hostname, this.port, ["PING"]);
      if (reply !== "+PONG\r\n" && !reply.startsWith("-NOAUTH")) return false;
      // Another server may already hold the port (ours then exits with "Address already in
      // use"), so make sure the one answering is ours.
      const info = await rawCommand(
        this.hostname,
        this.port,
        ["INFO", "server"],
        this.#options.password,
      );
      return info.includes(`\r\nprocess_id:${pid}\r\n`);
    } catch {
      return false;
    }
  }

  async #keep(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      this.#output = (this.#output + decoder.decode(chunk, { stream: true })).slice(-OUTPUT_KEPT);
    }
  }
}
