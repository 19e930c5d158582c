import { localServerConfig, type RunningProxy, startProxy } from "../lib/cli/mod.ts";
import { freePort, RedisServer } from "../lib/redis_process/mod.ts";

/** One endpoint redis-benchmark is pointed at. */
export interface Target {
  name: string;
  port: number;
}

/** Everything the benchmark started, stopped together. */
export class BenchTargets implements AsyncDisposable {
  readonly targets: Target[] = [];
  #stops: (() => Promise<unknown>)[] = [];

  static async start(): Promise<BenchTargets> {
    const set = new BenchTargets();
    const [destination, source] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    set.#stops.push(() => destination.stop(), () => source.stop());
    set.targets.push({ name: "redis direct", port: destination.port });
    const twemproxy = await startTwemproxy(destination);
    if (twemproxy) {
      set.#stops.push(twemproxy.stop);
      set.targets.push({ name: "twemproxy", port: twemproxy.port });
    }
    const plain = set.#proxy({
      deleteOnGet: false,
      deleteOnSet: false,
      destination: localServerConfig(destination),
    });
    set.targets.push({ name: "remiro plain", port: plain.port });
    const migrate = set.#proxy({
      deleteOnGet: false,
      deleteOnSet: false,
      source: localServerConfig(source),
      destination: localServerConfig(destination),
    });
    set.targets.push({ name: "remiro migrate", port: migrate.port });
    return set;
  }

  #proxy(config: Parameters<typeof startProxy>[0]): RunningProxy {
    const proxy = startProxy(config, { host: "127.0.0.1", port: 0 });
    this.#stops.push(() => proxy.close());
    return proxy;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const stop of this.#stops.reverse()) await stop();
  }
}

async function commandExists(name: string): Promise<boolean> {
  try {
    await new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" }).output();
    return true;
  } catch {
    return false;
  }
}

/** twemproxy in front of the same server, when `nutcracker` is installed. */
async function startTwemproxy(
  server: RedisServer,
): Promise<{ port: number; stop: () => Promise<void> } | undefined> {
  if (!await commandExists("nutcracker")) return undefined;
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "remiro-bench-" });
  const config = `${dir}/nutcracker.yml`;
  await Deno.writeTextFile(
    config,
    `bench:\n  listen: 127.0.0.1:${port}\n  redis: true\n  servers:\n   - ${server.addr}:1\n`,
  );
  const child = new Deno.Command("nutcracker", {
    args: ["-c", config, "-o", `${dir}/nutcracker.log`, "-p", `${dir}/nutcracker.pid`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return {
    port,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
