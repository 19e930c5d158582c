import { freePort } from "./free_port.ts";
import { rawCommand } from "./raw_command.ts";

/** Options of {@linkcode RedisServer.start}. */
export interface RedisServerOptions {
  /** Defaults to a free port. */
  port?: number;
  password?: string;
  /** Extra redis-server arguments, e.g. ["--maxmemory", "10mb"]. */
  args?: string[];
  /** Defaults to "redis-server". */
  binary?: string;
}

export const REDIS_INSTALL_HINT =
  "redis-server not found. Install it with: sudo apt-get install -y redis-server " +
  "(Debian/Ubuntu), brew install redis (macOS)";

const OUTPUT_KEPT = 64 * 1024;
const START_DEADLINE_MS = 10_000;

/** True when `redis-server --version` runs. */
export async function redisServerAvailable(binary = "redis-server"): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(binary, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/**
 * A throwaway redis-server on 127.0.0.1, without persistence, in its own temporary directory.
 *
 * @example
 * ```ts ignore
 * await using redis = await RedisServer.start();
 * console.log(redis.addr);
 * ```
 */
export class RedisServer implements AsyncDisposable {
  readonly hostname = "127.0.0.1";
  readonly port: number;
  #options: RedisServerOptions;
  #process: Deno.ChildProcess | undefined;
  #dir: string | undefined;
  #output = "";
  #outputDone: Promise<void> | undefined;

  private constructor(port: number, options: RedisServerOptions) {
    this.port = port;
    this.#options = options;
  }

  /** Starts redis-server and resolves once it answers PING. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(options.port ?? freePort(), options);
    await server.#launch();
    return server;
  }

  get addr(): string {
    return `${this.hostname}:${this.port}`;
  }

  /** What redis-server printed (the last 64 KiB). */
  get output(): string {
    return this.#output;
  }

  /** Stops the server and removes its directory; safe to call twice. */
  async stop(): Promise<void> {
    const process = this.#process;
    this.#process = undefined;
    if (process) {
      try {
        process.kill("SIGTERM");
      } catch {
        // already exited
      }
      const timer = setTimeout(() => {
        try {
          process.kill("SIGKILL");
        } catch {
          // already exited
        }
      }, 5000);
      await process.status;
      clearTimeout(timer);
      await this.#outputDone;
    }
    if (this.#dir) {
      await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
      this.#dir = undefined;
    }
  }

  /** Stops the server and starts a new, empty one on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#launch();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #launch(): Promise<void> {
    this.#dir = await Deno.makeTempDir({ prefix: "remiro-redis-" });
    const args = [
      "--port",
      `${this.port}`,
      "--bind",
      this.hostname,
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      this.#dir,
      ...(this.#options.password ? ["--requirepass", this.#options.password] : []),
      ...(this.#options.args ?? []),
    ];
    let process: Deno.ChildProcess;
    try {
      process = new Deno.Command(this.#options.binary ?? "redis-server", {
        args,
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) throw new Error(REDIS_INSTALL_HINT);
      throw error;
    }
    this.#process = process;
    this.#output = "";
    this.#outputDone = Promise.all([this.#keep(process.stdout), this.#keep(process.stderr)])
      .then(() => {});
    let exited = false;
    process.status.then(() => exited = true);
    const deadline = Date.now() + START_DEADLINE_MS;
    while (true) {
      if (exited) {
        await this.stop();
        throw new Error(`redis-server on port ${this.port} exited at start:\n${this.#output}`);
      }
      if (await this.#answers()) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`redis-server on port ${this.port} did not answer PING:\n${this.#output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async #answers(): Promise<boolean> {
    try {
      const reply = await rawCommand(this.hostname, this.port, ["PING"], this.#options.password);
      return reply.type === "simple" && reply.value === "PONG";
    } catch {
      return false;
    }
  }

  async #keep(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      this.#output = (this.#output + decoder.decode(chunk)).slice(-OUTPUT_KEPT);
    }
  }
}
