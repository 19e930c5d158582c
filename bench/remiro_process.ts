import { freePort, type RedisServer } from "../lib/redis_process/mod.ts";
import { type RunningPeer, waitForPort } from "./peers.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Remiro as a process of its own, so its memory can be read apart from the benchmark's. */
export interface RemiroProcess extends RunningPeer {
  pid: number;
  /** Resident set size now and at its peak (VmRSS, VmHWM), in bytes. */
  memory(): Promise<{ rss: number; peak: number }>;
}

/**
 * Starts `deno run main.ts` with a config for `destination` (and `source`, if given). With
 * `replicas`, the destination is a failover group: `destination` its master, these its replicas;
 * with `mode = "ring"` it is a ring of `destination` and the others instead.
 */
export async function startRemiro(
  destination: RedisServer,
  source?: RedisServer,
  replicas: RedisServer[] = [],
  mode: "failover" | "ring" = "failover",
): Promise<RemiroProcess> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "remiro-bench-" });
  const config = `${dir}/remiro.toml`;
  const members = [destination, ...replicas].map((s) => `"${s.addr}"`).join(", ");
  await Deno.writeTextFile(
    config,
    (source ? `[Source]\nAddr = "${source.addr}"\n` : "") +
      (replicas.length
        ? `[Destination]\nMode = "${mode}"\nAddrs = [${members}]\n`
        : `[Destination]\nAddr = "${destination.addr}"\n`),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "-p", `${port}`, "-i", "0", "-c", config],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(port, 30_000);
  return {
    port,
    pid: child.pid,
    memory: async () => {
      const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
      const kb = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1]);
      return { rss: kb("VmRSS") * 1024, peak: kb("VmHWM") * 1024 };
    },
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
