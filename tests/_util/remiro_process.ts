/**
 * Remiro as a child process (`deno run main.ts`), so tests can read its own memory use and
 * kill nothing but it.
 *
 * @module
 */
import { freePort } from "../../lib/redis_process/mod.ts";
import { waitFor } from "./redis.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const MB = 1024 * 1024;

/** One running `remiro` process with its config file. Dispose with `await using`. */
export class RemiroProcess implements AsyncDisposable {
  private constructor(
    readonly port: number,
    readonly instruPort: number,
    readonly pid: number,
    readonly dir: string,
    private readonly child: Deno.ChildProcess,
  ) {}

  /** Writes `toml` as the config and starts remiro on free ports; resolves once it accepts. */
  static async start(toml: string): Promise<RemiroProcess> {
    const dir = await Deno.makeTempDir({ prefix: "remiro-proc-" });
    await Deno.writeTextFile(`${dir}/remiro.toml`, toml);
    const [port, instruPort] = [freePort(), freePort()];
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "--allow-all", MAIN, "-h", "127.0.0.1", "-p", `${port}`],
        ...["-i", `${instruPort}`, "-c", `${dir}/remiro.toml`, "--log-level", "error"],
      ],
      stdin: "null",
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    const proc = new RemiroProcess(port, instruPort, child.pid, dir, child);
    // Both listeners: the metrics port may open a moment after the proxy's.
    await waitFor(async () => {
      for (const p of [port, instruPort]) {
        (await Deno.connect({ hostname: "127.0.0.1", port: p })).close();
      }
      return true;
    }, { timeoutMs: 30_000, message: "remiro did not start" });
    return proc;
  }

  /** Resident set size in bytes, as the process reports it on /metrics. */
  rss(): Promise<number> {
    return this.metric("remiro_process_resident_memory_bytes");
  }

  /**
   * Polls the RSS until it is at most `baseline + slackMb` (memory given back after a load),
   * for at most `timeoutMs`; resolves with the last reading either way.
   */
  async settledRss(baseline: number, slackMb: number, timeoutMs = 10_000): Promise<number> {
    let last = await this.rss();
    const deadline = Date.now() + timeoutMs;
    while (last > baseline + slackMb * MB && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      last = await this.rss();
    }
    return last;
  }

  /** The value of a remiro_* series from /metrics, e.g. `remiro_limit_exceeded_total{limit="bulk"}`. */
  async metric(series: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.instruPort}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(series + " "));
    if (line === undefined) throw new Error(`no series ${series} in /metrics`);
    return Number(line.slice(series.length + 1));
  }

  /** GET /health: its status and JSON body. */
  async health(): Promise<{ status: number; body: string }> {
    const response = await fetch(`http://127.0.0.1:${this.instruPort}/health`);
    return { status: response.status, body: await response.text() };
  }

  /** True while the process runs. */
  async alive(): Promise<boolean> {
    const exited = await Promise.race([
      this.child.status.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 50)),
    ]);
    return !exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.child.status;
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** Bytes as whole megabytes, for the results lines. */
export function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}
