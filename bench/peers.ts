import { freePort, type RedisServer } from "../lib/redis_process/mod.ts";

/** A process the benchmark started, with the port clients use. */
export interface RunningPeer {
  port: number;
  /** The process serving the port, for its CPU time. */
  pid?: number;
  stop(): Promise<void>;
}

async function commandExists(name: string, versionFlag: string): Promise<boolean> {
  try {
    await new Deno.Command(name, { args: [versionFlag], stdout: "null", stderr: "null" })
      .output();
    return true;
  } catch {
    return false;
  }
}

/** Polls until something accepts connections on the port. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`nothing listens on ${port}: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function spawnWithConfig(
  binary: string,
  configName: string,
  config: string,
  args: (configPath: string, dir: string) => string[],
  port: number,
): Promise<RunningPeer> {
  const dir = await Deno.makeTempDir({ prefix: "remiro-bench-" });
  const path = `${dir}/${configName}`;
  await Deno.writeTextFile(path, config);
  const child = new Deno.Command(binary, {
    args: args(path, dir),
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(port);
  return {
    port,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * twemproxy (nutcracker) in front of one server, or of several as a ketama ring (md5, `{}`
 * hash tags, failed servers never ejected), or undefined when it is not installed.
 */
export async function startTwemproxy(
  servers: RedisServer | readonly RedisServer[],
): Promise<RunningPeer | undefined> {
  if (!await commandExists("nutcracker", "--version")) return undefined;
  const port = freePort();
  const list = Array.isArray(servers) ? servers : [servers];
  const ring = list.length > 1
    ? `  hash: md5\n  distribution: ketama\n  hash_tag: "{}"\n  auto_eject_hosts: false\n`
    : "";
  const config = `bench:\n  listen: 127.0.0.1:${port}\n  redis: true\n${ring}  servers:\n` +
    list.map((server) => `   - ${server.addr}:1\n`).join("");
  return spawnWithConfig(
    "nutcracker",
    "nutcracker.yml",
    config,
    // A stats port of its own: two nutcrackers cannot share the default 22222.
    (path, dir) => [
      ...["-c", path, "-o", `${dir}/nutcracker.log`, "-p", `${dir}/nutcracker.pid`],
      ...["-s", `${freePort()}`],
    ],
    port,
  );
}

/** haproxy relaying TCP to one server (no parsing), or undefined when it is not installed. */
export async function startHaproxy(server: RedisServer): Promise<RunningPeer | undefined> {
  if (!await commandExists("haproxy", "-v")) return undefined;
  const port = freePort();
  const config = `global
  maxconn 4096
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
frontend bench
  bind 127.0.0.1:${port}
  default_backend redis
backend redis
  server r ${server.addr}
`;
  return spawnWithConfig("haproxy", "haproxy.cfg", config, (path) => ["-f", path], port);
}
